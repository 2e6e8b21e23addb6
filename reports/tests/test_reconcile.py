"""The hourly reconciliation and the backfill: conversations with no facts get
them, missed closings and reopenings are mended, a second run changes nothing,
old cycles are pruned."""

import datetime as dt

import pytest
from django.core.management import call_command

from conversations.models import Conversation, Message, Reopening
from conversations.tests.factories import ConversationFactory, MessageFactory
from reports.models import ConversationCycle
from reports.reconcile import prune, reconcile_tenant
from reports.tasks import reconcile
from reports.tests.conftest import T0
from tenants.models import Role

pytestmark = pytest.mark.django_db


def cycles(world):
    rows = ConversationCycle.objects.for_tenant(world.tenant).order_by("opened_at")
    return [(c.reopened, c.opened_at, c.first_response_at, c.closed_at) for c in rows]


def test_the_backfill_builds_facts_of_conversations_from_before(tenant_a):
    agent = tenant_a.members[Role.AGENT]
    # Written straight to the tables, as before reports existed.
    old = ConversationFactory(
        tenant=tenant_a.tenant, shop=tenant_a.shop, created_at=T0,
        status="closed", closed_at=T0 + dt.timedelta(hours=2), assignee=agent,
    )  # fmt: skip
    MessageFactory(conversation=old, created_at=T0)
    MessageFactory(
        conversation=old, created_at=T0 + dt.timedelta(minutes=7), direction="outbound",
        sender_kind="member", sender=agent, status="delivered",
    )  # fmt: skip
    MessageFactory(
        conversation=old, created_at=T0 + dt.timedelta(minutes=1), direction="outbound",
        sender_kind="system", status="delivered",
    )  # fmt: skip
    call_command("reports_backfill")
    first = cycles(tenant_a)
    assert first == [
        (False, T0, T0 + dt.timedelta(minutes=7), T0 + dt.timedelta(hours=2)),
    ]
    cycle = ConversationCycle.objects.for_tenant(tenant_a.tenant).get()
    assert (cycle.agent_id, cycle.responder_id) == (agent.pk, agent.pk)
    call_command("reports_backfill", tenant=tenant_a.tenant.slug)
    assert cycles(tenant_a) == first  # a second run changes nothing


def test_missed_events_are_mended_and_a_second_run_changes_nothing(tenant_a, tenant_b, clock):
    conversation = clock.text(T0)
    # Closed and then reopened by paths that told reports nothing.
    Conversation.objects.for_tenant(tenant_a.tenant).filter(pk=conversation.pk).update(
        status="closed", closed_at=T0 + dt.timedelta(hours=1)
    )
    assert reconcile_tenant(tenant_id=tenant_a.tenant.pk, since=T0) == 1
    assert cycles(tenant_a) == [(False, T0, None, T0 + dt.timedelta(hours=1))]
    Conversation.objects.for_tenant(tenant_a.tenant).filter(pk=conversation.pk).update(
        status="open"
    )
    Reopening.objects.create(
        tenant=tenant_a.tenant, conversation=conversation, created_at=T0 + dt.timedelta(hours=5)
    )
    Message.objects.for_tenant(tenant_a.tenant).create(
        tenant=tenant_a.tenant, conversation=conversation, contact_id=conversation.contact_id,
        direction="outbound", sender_kind="member", sender=tenant_a.members[Role.AGENT],
        body="Back to you", status="sent", created_at=T0 + dt.timedelta(hours=6),
    )  # fmt: skip
    reconcile_tenant(tenant_id=tenant_a.tenant.pk, since=T0)  # reopens
    reconcile_tenant(tenant_id=tenant_a.tenant.pk, since=T0)  # the first response
    mended = cycles(tenant_a)
    assert mended[1] == (True, T0 + dt.timedelta(hours=5), T0 + dt.timedelta(hours=6), None)
    assert reconcile_tenant(tenant_id=tenant_a.tenant.pk, since=T0) == 0
    assert cycles(tenant_a) == mended
    assert cycles(tenant_b) == []


def test_the_periodic_task_prunes_cycles_past_their_retention(tenant_a, clock, settings):
    settings.REPORTS_KEEP_DAYS = 30
    old, recent = clock.text(T0), clock.text(T0 + dt.timedelta(days=40))
    clock.close(T0 + dt.timedelta(hours=1), old)
    clock.close(T0 + dt.timedelta(days=40, hours=1), recent)
    assert prune(now=T0 + dt.timedelta(days=45)) == 1
    assert [c[1] for c in cycles(tenant_a)] == [T0 + dt.timedelta(days=40)]
    assert reconcile.delay().get() == 0  # nothing missed; runs as the beat runs it


def test_a_stale_closing_or_reply_never_touches_a_later_cycle(tenant_a, clock):
    from reports import services

    conversation = clock.text(T0)
    clock.close(T0 + dt.timedelta(hours=1), conversation)
    stale = Conversation.objects.for_tenant(tenant_a.tenant).get(pk=conversation.pk)
    clock.text(T0 + dt.timedelta(hours=2), contact=conversation.contact)  # reopens it
    # What a reconciliation that read the rows before the reopening would write:
    services.cycle_close(conversation=stale, at=T0 + dt.timedelta(hours=1))
    services.cycle_respond(
        conversation=stale,
        responder_id=tenant_a.members[Role.AGENT].pk,
        at=T0 + dt.timedelta(minutes=90),
    )
    assert cycles(tenant_a) == [
        (False, T0, None, T0 + dt.timedelta(hours=1)),
        (True, T0 + dt.timedelta(hours=2), None, None),
    ]
