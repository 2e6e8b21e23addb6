"""The sweeper and SMS: webhook deliveries left pending and replies left queued
(their publish lost) are handed to a worker again after the grace, once each.

Rows are stored the way the application stores them, and their after-commit
publish is never run (the test's transaction never commits: as if the broker
lost it). Tasks run eagerly, so each sweep's work is done when it returns.
"""

import datetime as dt

import pytest
from django.utils import timezone

from channels_sms.models import SendAttempt, WebhookDelivery
from channels_sms.tests.conftest import PHONE, fixture, twilio_webhook
from conversations.models import Conversation, Message
from conversations.services.contacts import contact_get_or_create
from conversations.services.messages import message_reply
from instaply.sweeper import sweep

pytestmark = pytest.mark.django_db


def _later(settings, seconds=1):
    return timezone.now() + dt.timedelta(seconds=settings.SWEEP_GRACE_SECONDS + seconds)


def _text(client, sid):
    params = fixture("twilio_inbound.json") | {"MessageSid": sid, "SmsSid": sid}
    response = twilio_webhook(client, "/webhooks/twilio/sms/", params)
    assert response.status_code == 200  # stored; its publish never runs here


def test_pending_webhook_deliveries_are_processed_once_after_the_grace(sms, client, settings):
    _text(client, "SM" + "1" * 32)
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.PENDING
    assert sweep()["webhook_deliveries"] == 0  # fresh: its task may be on its way
    assert sweep(now=_later(settings))["webhook_deliveries"] == 1
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.PROCESSED
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 1
    assert sweep(now=_later(settings))["webhook_deliveries"] == 0  # nothing left


def test_a_sweep_is_bounded_by_its_batch(sms, client, settings):
    for digit in "123":
        _text(client, "SM" + digit * 32)
    assert sweep(now=_later(settings), batch=2)["webhook_deliveries"] == 2
    assert sweep(now=_later(settings), batch=2)["webhook_deliveries"] == 1
    assert Message.objects.count() == 3


def _queued_reply(sms):
    from tenants.models import Role
    from tenants.tests.factories import MembershipFactory

    agent = MembershipFactory(tenant=sms.tenant, role=Role.AGENT)
    contact, _ = contact_get_or_create(tenant_id=sms.tenant.id, kind="phone", value=PHONE)
    conversation = Conversation.objects.create(
        tenant=sms.tenant,
        shop=sms.shop,
        contact=contact,
        channel="sms",
        endpoint_id=sms.simulator_number.pk,
    )
    return message_reply(actor=agent, conversation=conversation, body="Your order is ready.")


def test_queued_replies_without_a_live_attempt_are_sent_once(sms, sms_simulator, settings):
    message = _queued_reply(sms)
    assert sweep()["outbound_sms"] == 0
    assert sweep(now=_later(settings))["outbound_sms"] == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(sms_simulator.messages(direction="outbound")) == 1
    assert sweep(now=_later(settings))["outbound_sms"] == 0


def test_a_reply_being_sent_right_now_is_left_to_its_run(sms, sms_simulator, settings):
    message = _queued_reply(sms)
    SendAttempt.objects.create(
        tenant_id=sms.tenant.id,
        message=message,
        number=1,
        outcome=SendAttempt.Outcome.CALLING,
        started_at=timezone.now(),
    )
    assert sweep(grace_seconds=0)["outbound_sms"] == 0
    assert not sms_simulator.messages(direction="outbound")


def test_a_redelivered_send_after_a_recorded_success_sends_nothing(sms, sms_simulator):
    from channels_sms.tasks import send_message

    message = _queued_reply(sms)
    send_message.delay(str(message.pk))
    send_message.delay(str(message.pk))  # redelivered: acks_late, a lost worker
    assert len(sms_simulator.messages(direction="outbound")) == 1
    outcomes = list(SendAttempt.objects.filter(message=message).values_list("outcome", flat=True))
    assert outcomes == [SendAttempt.Outcome.SENT]


def _died_mid_call(message, *, seconds_ago):
    """What a run killed while calling the provider leaves: a CALLING attempt."""
    return SendAttempt.objects.create(
        tenant_id=message.tenant_id,
        message=message,
        number=1,
        outcome=SendAttempt.Outcome.CALLING,
        started_at=timezone.now() - dt.timedelta(seconds=seconds_ago),
    )


def test_a_send_calling_the_provider_right_now_is_not_doubled(sms, sms_simulator):
    from channels_sms.tasks import send_message

    message = _queued_reply(sms)
    _died_mid_call(message, seconds_ago=1)  # as far as anyone knows, still calling
    send_message.delay(str(message.pk))
    assert not sms_simulator.messages(direction="outbound")
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED


def test_after_a_run_died_mid_call_the_text_is_not_sent_again(sms, sms_simulator, settings):
    """At most once (channels_sms/services/outbound.py): the provider may have
    taken the text; the message fails with a reason rather than going twice."""
    from channels_sms.tasks import send_message

    message = _queued_reply(sms)
    attempt = _died_mid_call(message, seconds_ago=settings.SMS_CALL_STALE_SECONDS + 1)
    # The sweeper finds it (no live attempt) and its send task resolves it.
    assert sweep(now=_later(settings))["outbound_sms"] == 1
    send_message.delay(str(message.pk))  # and a late redelivery changes nothing
    assert not sms_simulator.messages(direction="outbound")
    message.refresh_from_db()
    attempt.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.failure_code == "outcome_unknown"
    assert "may or may not have reached" in message.failure_reason
    assert (attempt.outcome, attempt.finished_at is not None) == ("unknown", True)
