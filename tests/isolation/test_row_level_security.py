"""PostgreSQL's row-level security: the second line behind the application's scoping.

Each test here runs as the application role the suite connects as (conftest.py):
not the tables' owner, not a superuser. Queries below are deliberately written
without the tenant, as a forgetful developer would.
"""

import pytest
from django.db import DataError, ProgrammingError, connection, transaction

from audit.models import AuditEvent
from conversations.models import Contact, Conversation, Message
from conversations.tests.factories import MessageFactory
from instaply import rls, rls_schema
from instaply.db.postgresql.wire import on_the_wire
from tenants.models import Shop

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-level security is PostgreSQL's; SQLite keeps the application's scoping",
    ),
]


@pytest.fixture
def two_shops(tenant_a, tenant_b):
    for world, count in ((tenant_a, 3), (tenant_b, 2)):
        for _ in range(count):
            MessageFactory(conversation__tenant=world.tenant, conversation__shop=world.shop)
    return tenant_a, tenant_b


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_the_suite_connects_as_a_role_that_owns_nothing_and_bypasses_nothing():
    role = _scalar("SELECT session_user")
    assert (
        _scalar("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role]) is False
    )
    owned = _scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = %s",
        [role],
    )
    assert owned == 0


def test_every_table_with_a_tenant_column_has_row_level_security_and_its_policy():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity,"
            " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            " AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid"
            "             AND a.attname = 'tenant_id' AND NOT a.attisdropped)"
        )
        tables = {name: (secured, policies) for name, secured, policies in cursor.fetchall()}
    assert tables, "no table with a tenant column: the query above is wrong"
    unprotected = sorted(
        name for name, (secured, policies) in tables.items() if not (secured and policies)
    )
    assert unprotected == []
    assert set(tables) == set(rls_schema.tenant_tables())


def test_a_query_that_forgets_its_tenant_sees_only_the_tenant_of_its_request(two_shops):
    tenant_a, tenant_b = two_shops
    with rls.unit_of_work():
        rls.adopt(tenant_a.tenant)
        assert Message.objects.count() == 3  # no for_tenant: forgotten on purpose
        assert {c.tenant_id for c in Conversation.objects.all()} == {tenant_a.tenant.pk}
        assert _scalar("SELECT count(*) FROM conversations_message") == 3
        assert (
            _scalar(
                "SELECT count(*) FROM conversations_contact WHERE tenant_id = %s",
                [tenant_b.tenant.pk],
            )
            == 0
        )


def test_before_a_tenant_is_known_a_forgetful_query_sees_nothing(two_shops):
    with rls.unit_of_work():
        assert Message.objects.count() == 0
        assert list(Contact.objects.all()) == []
        assert _scalar("SELECT count(*) FROM conversations_conversation") == 0


def test_a_row_of_another_tenant_cannot_be_written_from_inside_a_tenant(two_shops):
    tenant_a, tenant_b = two_shops
    foreign = (
        Conversation.objects.dangerously_unscoped(reason="test")
        .filter(tenant=tenant_b.tenant)
        .first()
    )
    with rls.unit_of_work():
        rls.adopt(tenant_a.tenant)
        changed = Conversation.objects.filter(pk=foreign.pk).update(status="closed")
        assert changed == 0  # invisible, so untouched
        moving = (
            "UPDATE conversations_conversation SET tenant_id = %s WHERE tenant_id = %s",
            [tenant_b.tenant.pk, tenant_a.tenant.pk],
        )
        with (
            pytest.raises(ProgrammingError, match="row-level security"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(*moving)
    assert Conversation.objects.for_tenant(tenant_b.tenant).count() == 2
    assert Conversation.objects.for_tenant(tenant_a.tenant).count() == 3


def test_the_doors_carry_their_scope_into_the_database(two_shops):
    tenant_a, tenant_b = two_shops
    with rls.unit_of_work():
        rls.adopt(tenant_a.tenant)
        # The named way out sees every tenant; the everyday door its own tenant.
        assert Message.objects.dangerously_unscoped(reason="test: a platform read").count() == 5
        assert Message.objects.for_tenant(tenant_b.tenant).count() == 2
        # ...and the request's scope is back for the next forgetful query.
        assert Message.objects.count() == 3


def test_platform_work_is_the_audited_way_in(two_shops):
    with rls.unit_of_work():
        with rls.platform_work("test: a job over every tenant"):
            assert Message.objects.count() == 5
        assert Message.objects.count() == 0
    recorded = AuditEvent.objects.filter(action="platform.rls_bypass").order_by("-created_at")
    assert recorded[0].metadata == {"reason": "test: a job over every tenant"}


def test_a_rolled_back_scope_is_applied_again(two_shops):
    tenant_a, tenant_b = two_shops
    with rls.unit_of_work():
        rls.adopt(tenant_b.tenant)
        with transaction.atomic():
            assert Message.objects.count() == 2  # applied inside the savepoint...
            transaction.set_rollback(True)  # ...which PostgreSQL then undoes
        assert Message.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_failed_statement_takes_the_scope_that_travelled_with_it(two_shops):
    tenant_a, tenant_b = two_shops
    with rls.unit_of_work():
        rls.adopt(tenant_a.tenant)
        assert Message.objects.count() == 3
        rls.adopt(tenant_b.tenant)
        # The switch to b rides with this statement; in autocommit its failure
        # undoes both, so the connection is still a's and must be switched again.
        with pytest.raises(DataError):
            _scalar("SELECT 1 / 0")
        assert Message.objects.count() == 2


def test_a_scope_switch_costs_no_round_trip_of_its_own(two_shops):
    tenant_a, tenant_b = two_shops
    with rls.unit_of_work(), on_the_wire(connection) as wire:
        rls.adopt(tenant_a.tenant)
        assert Message.objects.count() == 3
        rls.adopt(tenant_b.tenant)
        assert Message.objects.count() == 2
    switches = [sql for sql in wire.statements if "set_config" in sql]
    assert len(switches) == 2 and len(wire.statements) == 4, wire
    assert wire.round_trips == 2, wire


def _prepared_count(tenant) -> int:
    with connection.prepared_statement(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM conversations_message WHERE tenant_id = %s", [tenant.pk]
        )
        return cursor.fetchone()[0]


def test_a_prepared_statement_keeps_one_generic_plan_and_the_policy_still_holds(two_shops):
    tenant_a, tenant_b = two_shops
    with rls.unit_of_work():
        rls.adopt(tenant_a.tenant)
        assert _prepared_count(tenant_a.tenant) == 3  # prepared on this first run
        with on_the_wire(connection) as wire:
            assert _prepared_count(tenant_a.tenant) == 3
        # Bound on the server ($1), run by name: one round trip, no statement text parsed.
        assert wire.round_trips == 1 and "$1" in wire.statements[0], wire
        rls.adopt(tenant_b.tenant)
        with on_the_wire(connection) as wire:
            assert _prepared_count(tenant_b.tenant) == 2
        # The scope switch goes alone before a prepared statement (it cannot ride in it).
        assert wire.round_trips == 2 and "set_config" in wire.statements[0], wire
        # The plan made for tenant a, run in b's scope with a's id: the policy is
        # read when the statement runs, so a's rows stay out of b's reach.
        assert _prepared_count(tenant_a.tenant) == 0
    plans = _scalar(
        "SELECT array[sum(generic_plans), sum(custom_plans)] FROM pg_prepared_statements"
        " WHERE statement LIKE %s",
        ["SELECT count(*) FROM conversations_message WHERE tenant_id = $1"],
    )
    assert plans[0] >= 3 and plans[1] == 0, plans


def test_the_api_s_page_queries_are_prepared(two_shops):
    tenant_a, _ = two_shops
    client = tenant_a.client()
    conversation = Conversation.objects.for_tenant(tenant_a.tenant).first()
    for path in ("/api/v1/conversations", f"/api/v1/conversations/{conversation.pk}/messages"):
        response = client.get(path)
        assert response.status_code == 200, response.content
    prepared = _scalar("SELECT array_agg(statement) FROM pg_prepared_statements")
    # The inbox page (its labels in its rows) and the thread's messages (the
    # conversation is read only for an empty page): the token's lookup left the
    # connection in the tenant's scope, so no switch has to go before them
    # (tenants/authentication.py).
    for table in ("conversation", "message"):
        start = f'FROM "conversations_{table}" '
        found = [statement for statement in prepared if start in statement]
        assert found, (start, prepared)
        prepared.remove(found[0])
    assert prepared == [], prepared


def test_the_audit_log_takes_any_event_but_shows_a_tenant_its_own(two_shops):
    from audit.recorder import Actor, record

    tenant_a, tenant_b = two_shops
    record("test.platform_event", actor=Actor.system("test"))
    record("test.tenant_event", tenant=tenant_b.tenant, actor=Actor.system("test"))
    with rls.unit_of_work():
        rls.adopt(tenant_a.tenant)
        record("test.tenant_event", tenant=tenant_a.tenant, actor=Actor.system("test"))
        seen = set(AuditEvent.objects.values_list("tenant_id", flat=True))
        assert seen == {tenant_a.tenant.pk}
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
            assert cursor.rowcount == 0  # no policy lets a tenant delete evidence
    assert AuditEvent.objects.filter(action="test.tenant_event").count() == 2


def test_an_api_request_runs_as_its_member_s_tenant(two_shops, django_assert_max_num_queries):
    tenant_a, _ = two_shops
    scopes = []

    def watch(execute, sql, params, many, context):
        scopes.append((rls.current(), sql))
        return execute(sql, params, many, context)

    client = tenant_a.client()
    with connection.execute_wrapper(watch):
        response = client.get("/api/v1/conversations")
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 3
    tenants = {scope.tenant_id for scope, _ in scopes if not scope.platform}
    assert tenants == {str(tenant_a.tenant.pk)}, scopes
    # Only the token's lookup (and the audit of the read) leave the tenant.
    assert all(
        "api_token" in sql or "audit" in sql or "membership" in sql
        for scope, sql in scopes
        if scope.platform
    ), scopes


def test_the_leaky_endpoints_of_the_walks_leak_nothing_under_row_level_security(
    tenant_a, tenant_b, settings
):
    """The endpoints that forget their tenant (tests/isolation/leaky_urls.py), which
    the walks catch with the database's line off, hold with it on."""
    settings.ROOT_URLCONF = "tests.isolation.leaky_urls"
    client = tenant_a.client()
    listed = client.get("/api/v1/leaky/shops").json()["results"]
    assert listed == [str(tenant_a.shop.pk)]
    with pytest.raises(Shop.DoesNotExist):  # the test client re-raises the view's error
        client.get(f"/api/v1/leaky/shops/{tenant_b.shop.pk}")


def test_the_token_s_lookup_leaves_its_tenant_s_scope_for_the_page_query(two_shops):
    tenant_a, _ = two_shops
    client = tenant_a.client()
    assert client.get("/api/v1/conversations").status_code == 200  # statements prepared
    with on_the_wire(connection) as wire:
        response = client.get("/api/v1/conversations")
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 3
    switches = [sql for sql in wire.statements if sql.startswith("SELECT set_config")]
    # One: the platform's, in the token's lookup's text; the lookup's row set the tenant's.
    assert len(switches) == 1 and "instaply_platform" in switches[0], wire
    assert "tenants_apitoken" in wire.statements[1] and "set_config" in wire.statements[1], wire
    # The token, the page query with its labels (prepared, no switch of its own
    # before it), the audit event: three round trips, four with a switch before
    # the page.
    assert wire.round_trips == 3, wire


def test_after_a_token_s_lookup_a_request_that_adopted_no_tenant_sees_nothing(two_shops):
    """The lookup leaves the connection in the token's tenant whatever the token's
    state (revoked, say): the next statement still runs in the scope of its own
    unit of work, which switches it back."""
    from tenants import credentials
    from tenants.authentication import token_by_digest
    from tenants.services.tokens import api_token_create, api_token_revoke

    tenant_a, _ = two_shops
    token, raw = api_token_create(membership=tenant_a.owner, name="revoked")
    api_token_revoke(actor=tenant_a.owner, token=token)
    with rls.unit_of_work():
        found = token_by_digest(credentials.digest(raw))
        assert found is not None and found.revoked_at is not None
        assert Message.objects.count() == 0  # no for_tenant, no tenant adopted
        rls.adopt(tenant_a.tenant)
        assert Message.objects.count() == 3
