"""Row-level security outside requests: Celery tasks and management commands.

As docs/tenant-scoping.md says: a task starts as nobody and adopts the tenant of
the row it works on; work that spans tenants enters ``rls.platform_work`` and
records one ``platform.rls_bypass`` audit event per run; a management command
run by an operator is platform work for its whole run (``manage.py``). Queries
below forget their tenant on purpose.
"""

import sys

import pytest
from django.db import connection

from audit.models import AuditEvent
from conversations.models import Message
from conversations.tests.factories import MessageFactory
from instaply import rls
from instaply.celery import app

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-level security is PostgreSQL's; SQLite keeps the application's scoping",
    ),
]


@app.task(name="tests.isolation.rls_probe")
def rls_probe(tenant_id=None):
    """What a task sees of the messages with a forgetful query, before and after
    adopting ``tenant_id`` (as every task adopts its row's tenant)."""
    before = (rls.current(), Message.objects.count())
    if tenant_id is None:
        return before, None
    rls.adopt(tenant_id)
    return before, (rls.current(), Message.objects.count())


@pytest.fixture
def two_shops(tenant_a, tenant_b):
    for world, count in ((tenant_a, 3), (tenant_b, 2)):
        for _ in range(count):
            MessageFactory(conversation__tenant=world.tenant, conversation__shop=world.shop)
    return tenant_a, tenant_b


def _scopes_of(run) -> list:
    """The scope of each statement ``run()`` sends, with its SQL."""
    seen = []

    def watch(execute, sql, params, many, context):
        seen.append((rls.current(), sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        run()
    return seen


def _bypasses(reason_start: str) -> int:
    return (
        AuditEvent.objects.dangerously_unscoped(reason="test: bypass events")
        .filter(action="platform.rls_bypass", metadata__reason__startswith=reason_start)
        .count()
    )


def test_a_task_starts_as_nobody_whatever_its_caller(two_shops):
    # The test process runs as the platform (its fixtures write for every tenant):
    # the task does not inherit it.
    assert Message.objects.count() == 5
    (scope, seen), adopted = rls_probe.apply().get()
    assert (scope, seen, adopted) == (rls.NOBODY, 0, None)
    assert Message.objects.count() == 5  # and the caller's scope is back


def test_a_task_that_adopts_its_row_s_tenant_sees_that_tenant_only(two_shops):
    tenant_a, tenant_b = two_shops
    for world, count in ((tenant_a, 3), (tenant_b, 2)):
        (_, before), (scope, seen) = rls_probe.apply(args=[str(world.tenant.pk)]).get()
        assert before == 0
        assert (scope.tenant_id, scope.platform, seen) == (str(world.tenant.pk), "", count)


def test_a_task_by_id_runs_as_the_tenant_of_its_row(two_shops):
    """The retention run of one tenant (a task the daily fan-out publishes): every
    statement outside the named doors runs as that tenant."""
    from instaply.rls_schema import tenant_tables
    from privacy.retention.tasks import apply_tenant

    tenant_a, _ = two_shops
    seen = _scopes_of(lambda: apply_tenant.apply(args=[str(tenant_a.tenant.pk)]).get())
    scopes = {scope for scope, _ in seen if not scope.platform}
    assert scopes == {rls.NOBODY, rls.tenant_scope(tenant_a.tenant)}, seen
    # As nobody (before it adopts) it read no tenant table.
    tables = tenant_tables()
    as_nobody = [sql for scope, sql in seen if scope == rls.NOBODY]
    assert not [sql for sql in as_nobody if any(f'"{t}"' in sql for t in tables)], as_nobody
    assert _bypasses("") == 0  # no way in was needed


@pytest.mark.parametrize(
    "task_path, reason",
    [
        ("instaply.tasks.sweep", "sweeper:"),
        ("audit.tasks.enforce_retention", "audit retention:"),
        ("analytics.reporting.tasks.extract", "reporting extract:"),
    ],
)
def test_work_across_tenants_is_the_audited_way_in(two_shops, task_path, reason):
    from importlib import import_module

    module, name = task_path.rsplit(".", 1)
    task = getattr(import_module(module), name)
    before = _bypasses(reason)
    seen = _scopes_of(lambda: task.apply().get())
    assert _bypasses(reason) == before + 1  # one event per run, naming its reason
    # Whatever the task read across tenants, it read through the platform scope
    # it entered (or a named door), never as a tenant it did not adopt.
    assert all(scope.platform or scope.tenant_id for scope, _ in seen), seen


def _audit_inserts_of(run) -> list[str]:
    """The parameters, as text, of each audit event ``run()`` inserts. (A command
    closes its connection when it ends, so the events are seen as they go in,
    not counted afterwards inside the test's transaction.)"""
    table = AuditEvent._meta.db_table
    inserts = []

    def watch(execute, sql, params, many, context):
        if sql.lstrip().upper().find(f'INSERT INTO "{table.upper()}"') >= 0:
            inserts.append(repr(params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        run()
    return inserts


def _manage(monkeypatch, *argv):
    import manage

    monkeypatch.setattr(sys, "argv", ["manage.py", *argv])
    try:
        manage.main()
    finally:
        rls.set_process_default(rls.platform_scope("test fixtures"))


def test_a_management_command_is_platform_work_for_its_whole_run(two_shops, monkeypatch):
    """``manage.py`` sets the process's scope before the command runs: the
    platform's, naming the command (a server it starts scopes each request),
    and records that way in once, before the command's own work."""
    seen = []
    inserts = _audit_inserts_of(
        lambda: seen.extend(_scopes_of(lambda: _manage(monkeypatch, "sweep", "--grace", "0")))
    )
    outside_doors = {scope.platform for scope, _ in seen if not scope.platform.startswith("sweep")}
    assert outside_doors == {"manage.py sweep"}, seen
    assert all(scope.platform for scope, _ in seen)  # no statement as nobody or a tenant
    ways_in = [params for params in inserts if "platform.rls_bypass" in params]
    assert "manage.py sweep" in ways_in[0], inserts  # first, naming the command
    assert sum("manage.py sweep" in params for params in ways_in) == 1


def test_a_command_that_only_checks_the_database_records_no_way_in(two_shops, monkeypatch):
    inserts = _audit_inserts_of(lambda: _manage(monkeypatch, "showmigrations", "audit"))
    assert not [params for params in inserts if "manage.py" in params], inserts
