# ruff: noqa: F811 - fixtures imported from other apps' tests are parameters here
"""What the services record: one pending row per event, in their transaction,
nothing for an opted-out tenant or a restricted or objecting contact."""

import datetime as dt

import pytest
from django.db import transaction

from analytics.models import AnalyticsEvent
from analytics.tracking import track
from conversations.services.inbox import conversation_assign, conversation_set_status
from conversations.services.messages import message_receive, message_reply
from conversations.tests.conftest import conversation_a, widget_a  # noqa: F401 - fixtures
from tenants.models import Role

pytestmark = pytest.mark.django_db


def _names():
    return sorted(AnalyticsEvent.objects.values_list("name", flat=True))


def _work(tenant_a, conversation):
    agent = tenant_a.members[Role.AGENT]
    message_receive(conversation=conversation, body="Is my order ready?")
    message_reply(actor=agent, conversation=conversation, body="Yes, since this morning.")
    message_reply(actor=agent, conversation=conversation, body="See you soon.")
    conversation_assign(actor=agent, conversation=conversation, assignee=agent)
    conversation_set_status(actor=agent, conversation=conversation, status="closed")
    conversation_set_status(actor=agent, conversation=conversation, status="closed")


def test_the_inbox_work_records_one_row_per_event(tenant_a, conversation_a):
    _work(tenant_a, conversation_a)
    assert _names() == [
        "conversation_assigned",  # the first reply took it (assign on reply)
        "conversation_assigned",
        "conversation_closed",
        "first_response",
        "message_received",
        "message_sent",
        "message_sent",
    ]
    first = AnalyticsEvent.objects.get(name="first_response")
    assert first.properties == {"channel": "widget", "response_time": "under_5m"}
    assert first.state == "pending" and first.occurred_hour.minute == 0
    assert first.occurred_hour.second == 0 and first.occurred_hour.microsecond == 0
    assert len(set(AnalyticsEvent.objects.values_list("distinct_id", flat=True))) == 1


def test_an_opted_out_tenant_records_nothing(tenant_a, conversation_a):
    tenant_a.tenant.analytics_opt_out = True
    tenant_a.tenant.save(update_fields=["analytics_opt_out"])
    _work(tenant_a, conversation_a)
    assert _names() == []


@pytest.mark.parametrize(
    ("restricted", "objections"), [(True, []), (False, ["all"]), (False, ["analytics"])]
)
def test_a_restricted_or_objecting_contact_produces_nothing(
    tenant_a, conversation_a, restricted, objections
):
    contact = conversation_a.contact
    contact.processing_restricted, contact.objections = restricted, objections
    contact.save(update_fields=["processing_restricted", "objections"])
    agent = tenant_a.members[Role.AGENT]
    message_receive(conversation=conversation_a, body="Stop using my data.")
    conversation_assign(actor=agent, conversation=conversation_a, assignee=agent)
    conversation_set_status(actor=agent, conversation=conversation_a, status="closed")
    assert _names() == []


def test_an_objection_to_marketing_only_still_counts(tenant_a, conversation_a):
    contact = conversation_a.contact
    contact.objections = ["marketing"]
    contact.save(update_fields=["objections"])
    message_receive(conversation=conversation_a, body="Hello")
    assert _names() == ["message_received"]


def test_a_rollback_drops_the_row(tenant_a, conversation_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        message_receive(conversation=conversation_a, body="Hello")
        raise RuntimeError("the caller fails after the message")
    assert _names() == []


def test_tracking_costs_a_read_and_one_insert(tenant_a, conversation_a, django_assert_num_queries):
    now = dt.datetime(2026, 12, 2, 14, 47, 12, tzinfo=dt.UTC)
    track("widget_session_started", tenant_id=tenant_a.tenant.pk, now=now)  # creates the secret
    # Allowed? one read; the month's secret: one read; the row: one insert.
    with django_assert_num_queries(3):
        row = track(
            "conversation_opened",
            tenant_id=tenant_a.tenant.pk,
            contact_id=conversation_a.contact_id,
            now=now,
            channel="widget",
        )
    assert row.occurred_hour == dt.datetime(2026, 12, 2, 14, tzinfo=dt.UTC)
    assert row.distinct_id != str(tenant_a.tenant.pk)
