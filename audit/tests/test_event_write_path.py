"""The audit write every personal-data read pays for: one lean INSERT that stores
exactly what the ORM would, on as few full indexes as the log's readers need."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from audit import actions
from audit.models import AuditEvent
from audit.recorder import Actor, record
from audit.selectors import ExportFilters, audit_event_filter
from audit.tests.conftest import make_events, on_postgres
from tenants.models import Role
from tests.row_security import execute_as_owner

pytestmark = pytest.mark.django_db


def test_the_stored_event_is_the_returned_one_field_by_field(tenant_a):
    member = tenant_a.members[Role.AGENT]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="2001:db8::7", HTTP_USER_AGENT="Navigateur/1.0 (été)"
    )
    request.request_id = "req-0123456789"
    event = record(
        "personal_data.read",
        request=request,
        tenant=tenant_a.tenant,
        actor=Actor.member(member),
        target=("conversation", uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")),
        metadata={"fields": ["contact.display_name", "é"], "count": 2, "ok": True, "n": None},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    for field in AuditEvent._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(event, field.attname), field.name
    assert stored.ip == "2001:db8::7"
    assert stored.actor_member_id == member.pk
    assert stored.metadata == {
        "fields": ["contact.display_name", "é"],
        "count": 2,
        "ok": True,
        "n": None,
    }
    assert stored.created_at.tzinfo is not None
    assert abs(stored.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_a_platform_event_without_request_stores_nulls_and_blanks():
    event = record("key.rotated", actor=Actor.system("keys"))
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.tenant_id, stored.ip, stored.actor_member_id) == (None, None, None)
    assert (stored.user_agent, stored.request_id, stored.metadata) == ("", "", {})


def test_recording_is_one_insert_that_reads_nothing_back():
    with CaptureQueriesContext(connection) as queries:
        record("personal_data.read", actor=Actor.system("test"), target=("contact", "c1"))
    (statement,) = [query["sql"] for query in queries]
    # Under row-level security a scope switch may ride at the head of the
    # statement's text (instaply/db/postgresql/base.py): it reads no row either.
    if statement.startswith("SELECT set_config('instaply.tenant_id'"):
        statement = statement.partition("; ")[2]
    assert statement.startswith("INSERT INTO")
    assert "RETURNING" not in statement.upper()


def test_the_returned_event_is_saved_and_cannot_be_saved_again():
    from audit.models import AppendOnlyError

    (event,) = make_events(1)
    assert not event._state.adding
    with pytest.raises(AppendOnlyError):
        event.save()


def test_read_events_touch_no_index_that_only_other_actions_need():
    """Each full index on the append-only table is written by every API read of
    personal data; the action index of the export skips those reads."""
    full = {index.name for index in AuditEvent._meta.indexes if index.condition is None}
    assert full == {"audit_tenant_time", "audit_time"}
    by_action = next(index for index in AuditEvent._meta.indexes if index.fields[1:2] == ["action"])
    assert by_action.condition is not None
    excluded = dict(by_action.condition.children)
    assert by_action.condition.negated and excluded == {"action": actions.PERSONAL_DATA_READ}


@on_postgres
def test_the_export_filter_on_a_rare_action_still_uses_the_action_index(tenant_a):
    # Reads outnumber everything else, as in production: with only a handful of
    # rows the tenant's own index is as good, and the planner's pick is a coin toss.
    make_events(300, tenant=tenant_a.tenant)
    make_events(2, tenant=tenant_a.tenant, action=actions.MEMBER_REVOKED)
    query = audit_event_filter(
        tenant=tenant_a.tenant, filters=ExportFilters(action=actions.MEMBER_REVOKED)
    )
    with connection.cursor() as cursor:
        # A tiny table: rule out the plans that need no index, then see which one
        # PostgreSQL takes (it can only take the partial index if the filter
        # implies the index's condition).
        execute_as_owner("ANALYZE audit_auditevent")  # only the owner may
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    assert "audit_tenant_action_no_read" in plan
    assert query.count() == 2
