"""The platform's own rows about people: each kind goes once it is as old as its
setting says, not a second before; stored webhooks only once done with."""

import pytest

from channels_sms.models import ConcatenatedParts, SendAttempt, WebhookDelivery
from conversations.models import Conversation, WidgetVisitor
from privacy.retention.run import retention_apply, retention_preview
from privacy.retention.tests.support import History

pytestmark = pytest.mark.django_db

A_SECOND = 1 / 86400


def webhook(state):
    return lambda h, days: h.delivery(days, state=state)


def attempt(h: History, days: float) -> SendAttempt:
    conversation = h.conversation(1)
    return h.attempt(h.messages(conversation)[0], days)


def visitor(h: History, days: float) -> WidgetVisitor:
    return h.visitor(h.conversation(1), days)


KINDS = {
    "processed webhook": ("webhook_deliveries", "RETENTION_WEBHOOK_DAYS", webhook("processed")),
    "failed webhook": ("webhook_deliveries", "RETENTION_WEBHOOK_DAYS", webhook("failed")),
    "parts": ("concatenated_parts", "RETENTION_CONCAT_PARTS_DAYS", History.parts),
    "attempt": ("send_attempts", "RETENTION_SEND_ATTEMPT_DAYS", attempt),
    "visitor": ("visitor_sessions", "RETENTION_VISITOR_SESSION_DAYS", visitor),
}


@pytest.mark.parametrize("name", KINDS)
def test_each_kind_goes_at_its_age_and_not_before(history, settings, name):
    kind, setting, make = KINDS[name]
    days = getattr(settings, setting)
    young = make(history, days - A_SECOND)
    due = make(history, days)

    assert retention_preview(history.tenant)[kind] == 1
    counts = retention_apply(history.tenant)

    assert counts[kind] == 1
    assert sum(counts.values()) == 1  # nothing else: their conversations are recent
    model = type(due)
    assert not model.objects.filter(pk=due.pk).exists()
    assert model.objects.filter(pk=young.pk).exists()


@pytest.mark.parametrize("setting", ["RETENTION_WEBHOOK_DAYS", "RETENTION_SEND_ATTEMPT_DAYS"])
def test_the_days_come_from_the_settings(history, settings, setting):
    settings.RETENTION_WEBHOOK_DAYS = settings.RETENTION_SEND_ATTEMPT_DAYS = 400
    history.delivery(300)
    attempt(history, 300)
    assert retention_preview(history.tenant)["webhook_deliveries"] == 0
    assert retention_preview(history.tenant)["send_attempts"] == 0
    setattr(settings, setting, 200)
    kind = {"RETENTION_WEBHOOK_DAYS": "webhook_deliveries"}.get(setting, "send_attempts")
    assert retention_preview(history.tenant)[kind] == 1


def test_webhooks_still_in_work_or_waiting_for_a_number_stay(history):
    pending = history.delivery(1000, state="pending")
    unrouted = history.delivery(1000, state="unrouted")
    assert retention_apply(history.tenant)["webhook_deliveries"] == 0
    assert WebhookDelivery.objects.filter(pk__in=[pending.pk, unrouted.pk]).count() == 2


def test_a_visitor_session_going_leaves_its_conversation(history):
    conversation = history.conversation(5)
    history.visitor(conversation, 365)
    assert retention_apply(history.tenant)["visitor_sessions"] == 1
    assert Conversation.objects.filter(pk=conversation.pk).exists()
    assert not WidgetVisitor.objects.exists()


def test_waiting_parts_of_a_held_sender_stay(history):
    contact = history.contact()
    history.hold(contact)
    kept = history.parts(30, sender=contact)
    gone = history.parts(30)
    assert retention_apply(history.tenant)["concatenated_parts"] == 1
    assert list(ConcatenatedParts.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not ConcatenatedParts.objects.filter(pk=gone.pk).exists()
