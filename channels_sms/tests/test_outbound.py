"""Replies over SMS: sent once by a task through the provider's SDK (to the
simulator), retried when the failure is transient, failed at once with a
readable reason when not, and moved forward only by delivery statuses."""

import pytest
from django.conf import settings

from channels_sms.models import PhoneNumber, SendAttempt, WebhookDelivery
from channels_sms.services.outbound import backoff_seconds
from channels_sms.tasks import send_message
from channels_sms.tests.conftest import (
    PHONE,
    SERVICE_NUMBER,
    SIMULATOR_NUMBER,
    SIMULATOR_SID,
    TWILIO_NUMBER,
    UK_PHONE,
    VONAGE_NUMBER,
    fixture,
    twilio_webhook,
    vonage_webhook,
)
from conversations.models import Contact, Conversation, FeedEvent, Message
from conversations.services.contacts import contact_get_or_create, contact_set_opt_out
from conversations.services.messages import message_reply
from instaply.errors import Conflict, Invalid

pytestmark = pytest.mark.django_db

TWILIO_STATUS, VONAGE_STATUS = "/webhooks/twilio/status/", "/webhooks/vonage/status/"


@pytest.fixture
def agent(sms):
    from tenants.models import Role
    from tenants.tests.factories import MembershipFactory

    return MembershipFactory(tenant=sms.tenant, role=Role.AGENT)


@pytest.fixture
def reply(agent, django_capture_on_commit_callbacks):
    """An agent's reply, with the send task run (eagerly) after commit."""

    def send(conversation, body="Your order is ready."):
        with django_capture_on_commit_callbacks(execute=True):
            message = message_reply(actor=agent, conversation=conversation, body=body)
        message.refresh_from_db()
        return message

    return send


def _conversation(sms, number, phone=PHONE) -> Conversation:
    contact, _ = contact_get_or_create(tenant_id=sms.tenant.id, kind="phone", value=phone)
    return Conversation.objects.create(
        tenant=sms.tenant, shop=sms.shop, contact=contact, channel="sms", endpoint_id=number.pk
    )


def _attempts(message) -> list[tuple[str, str]]:
    rows = SendAttempt.objects.filter(message=message).order_by("number")
    return [(a.outcome, a.error_code) for a in rows]


def _callback(client, deliver, params):
    with deliver(execute=True):
        response = twilio_webhook(client, TWILIO_STATUS, params)
    assert response.status_code == 200


def _status(message, status, **extra) -> dict:
    return fixture("twilio_status_delivered.json") | {
        "MessageSid": message.provider_message_id,
        "SmsSid": message.provider_message_id,
        "MessageStatus": status,
        "SmsStatus": status,
        **extra,
    }


def test_a_reply_goes_out_through_the_twilio_sdk_and_is_delivered(
    sms, sms_simulator, reply, client, django_capture_on_commit_callbacks
):
    message = reply(_conversation(sms, sms.twilio_number))

    [sent] = sms_simulator.wait_for_messages(to=PHONE, direction="outbound")
    assert (sent["from"], sent["body"]) == (TWILIO_NUMBER, "Your order is ready.")
    assert sent["status_callback"] == settings.PUBLIC_BASE_URL + TWILIO_STATUS
    assert (message.status, message.provider_message_id) == ("sent", sent["sid"])
    assert _attempts(message) == [("sent", "")]

    _callback(client, django_capture_on_commit_callbacks, _status(message, "delivered"))
    message.refresh_from_db()
    assert message.status == "delivered"
    assert list(
        FeedEvent.objects.filter(kind="message.status_changed").values_list("payload", flat=True)
    ) == [
        {"message_id": str(message.pk), "status": "sent"},
        {"message_id": str(message.pk), "status": "delivered"},
    ]
    assert WebhookDelivery.objects.get().payload is None  # processed, cleared


def test_a_number_in_a_messaging_service_sends_through_the_service(sms, sms_simulator, reply):
    reply(_conversation(sms, sms.service_number))
    [sent] = sms_simulator.wait_for_messages(to=PHONE, direction="outbound")
    assert sent["messaging_service_sid"] == sms.service_number.messaging_service_sid
    assert sent["from"] == SERVICE_NUMBER


def test_a_simulator_number_sends_to_the_simulator(sms, sms_simulator, reply):
    message = reply(_conversation(sms, sms.simulator_number))
    [sent] = sms_simulator.wait_for_messages(to=PHONE, direction="outbound")
    assert (sent["account_sid"], sent["from"]) == (SIMULATOR_SID, SIMULATOR_NUMBER)
    assert message.status == "sent"


def test_a_vonage_reply_is_sent_and_its_receipts_deliver_it(
    sms, sms_simulator, reply, client, django_capture_on_commit_callbacks
):
    body = " ".join(["C'est prêt 🎂"] * 6)
    message = reply(_conversation(sms, sms.vonage_number, UK_PHONE), body=body)
    [sent] = sms_simulator.wait_for_messages(to=UK_PHONE, direction="outbound")
    assert (sent["from"], sent["body"]) == (VONAGE_NUMBER, body)
    assert sent["client_ref"] == str(message.pk)
    assert len(sent["part_ids"]) == 2  # UCS-2: 83 code units are two segments
    assert message.provider_message_id == sent["part_ids"][0]

    # One receipt per part; the second part's id is not the one we stored.
    receipt = fixture("vonage_dlr_delivered.json") | {
        "messageId": sent["part_ids"][1],
        "client-ref": str(message.pk),
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert vonage_webhook(client, VONAGE_STATUS, receipt).status_code == 204
    message.refresh_from_db()
    assert message.status == "delivered"


def test_a_transient_failure_is_retried_until_the_provider_accepts(sms, sms_simulator, reply):
    sms_simulator.add_fault(count=1, status=500, provider="twilio")
    message = reply(_conversation(sms, sms.twilio_number))
    assert _attempts(message) == [("transient", "20500"), ("sent", "")]
    assert message.status == "sent"
    assert len(sms_simulator.messages(direction="outbound")) == 1


def test_throttling_and_unavailability_are_transient_too(sms, sms_simulator, reply):
    sms_simulator.add_fault(count=1, status=429, provider="twilio")
    sms_simulator.add_fault(count=1, status=503, provider="twilio")
    message = reply(_conversation(sms, sms.twilio_number))
    assert _attempts(message) == [("transient", "20429"), ("transient", "20503"), ("sent", "")]


def test_retries_stop_at_the_limit_with_a_readable_reason(sms, sms_simulator, reply, settings):
    settings.SMS_SEND_MAX_ATTEMPTS = 3
    sms_simulator.add_fault(count=5, status=503, provider="twilio")
    message = reply(_conversation(sms, sms.twilio_number))
    assert [outcome for outcome, _ in _attempts(message)] == ["transient", "transient", "permanent"]
    assert message.status == "failed"
    assert message.failure_reason == "Gave up after 3 attempts. The provider was unavailable."
    assert sms_simulator.messages(direction="outbound") == []


def test_backoff_grows_exponentially_up_to_a_cap(settings):
    settings.SMS_SEND_BACKOFF_SECONDS, settings.SMS_SEND_BACKOFF_MAX_SECONDS = 10, 100
    waits = [backoff_seconds(n) for n in (1, 2, 3, 4, 5, 6)]
    for wait, expected in zip(waits, [10, 20, 40, 80, 100, 100], strict=True):
        assert expected * 0.8 <= wait <= expected * 1.2


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (21610, "The recipient replied STOP to this number"),
        (21211, "The recipient's number is not a valid phone number."),
        (21614, "not a mobile number"),
    ],
)
def test_a_permanent_refusal_fails_at_once_with_its_reason(sms, sms_simulator, reply, code, reason):
    sms_simulator.set_destination(PHONE, outcome="rejected", error_code=code)
    message = reply(_conversation(sms, sms.twilio_number))
    assert message.status == "failed" and message.failure_code == str(code)
    assert reason in message.failure_reason
    assert _attempts(message) == [("permanent", str(code))]


def test_a_vonage_refusal_maps_its_status(sms, sms_simulator, reply):
    sms_simulator.add_fault(status=200, code=7, provider="vonage")
    message = reply(_conversation(sms, sms.vonage_number, UK_PHONE))
    assert (message.status, message.failure_code) == ("failed", "7")
    assert "barred" in message.failure_reason


def test_vonage_throttling_is_retried(sms, sms_simulator, reply):
    sms_simulator.add_fault(count=1, status=429, provider="vonage")
    message = reply(_conversation(sms, sms.vonage_number, UK_PHONE))
    assert _attempts(message) == [("transient", "429"), ("sent", "")]


def test_the_send_task_is_idempotent(sms, sms_simulator, reply):
    message = reply(_conversation(sms, sms.twilio_number))
    send_message.delay(str(message.pk))
    send_message.delay(str(message.pk))
    assert len(sms_simulator.messages(direction="outbound")) == 1
    assert len(_attempts(message)) == 1


def test_an_opted_out_contact_is_refused_before_any_provider_call(sms, sms_simulator, agent):
    conversation = _conversation(sms, sms.twilio_number)
    contact_set_opt_out(
        contact=conversation.contact, channel="sms", opted_out=True, source="sms_keyword"
    )
    with pytest.raises(Conflict) as refused:
        message_reply(actor=agent, conversation=conversation, body="Hello?")
    assert refused.value.code == "opted_out" and refused.value.status_code == 409
    assert sms_simulator.messages() == [] and Message.objects.count() == 0


def test_an_opt_out_between_reply_and_send_stops_the_send(
    sms, sms_simulator, agent, django_capture_on_commit_callbacks
):
    conversation = _conversation(sms, sms.twilio_number)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        message = message_reply(actor=agent, conversation=conversation, body="Hello?")
    Contact.objects.filter(pk=conversation.contact_id).update(opted_out_channels=["sms"])
    for callback in queued:
        callback()
    message.refresh_from_db()
    assert (message.status, message.failure_code) == ("failed", "opted_out")
    assert sms_simulator.messages() == []


def test_more_than_ten_segments_is_a_clear_400(sms, sms_simulator, agent):
    conversation = _conversation(sms, sms.twilio_number)
    with pytest.raises(Invalid) as refused:
        message_reply(actor=agent, conversation=conversation, body="x" * (153 * 10 + 1))
    assert refused.value.code == "too_many_segments" and refused.value.status_code == 400
    assert "11 SMS segments; the limit is 10" in refused.value.message
    assert sms_simulator.messages() == []


def test_a_deactivated_number_refuses_replies(sms, sms_simulator, agent):
    conversation = _conversation(sms, sms.twilio_number)
    PhoneNumber.objects.filter(pk=sms.twilio_number.pk).update(active=False)
    with pytest.raises(Conflict) as refused:
        message_reply(actor=agent, conversation=conversation, body="Hello?")
    assert refused.value.code == "channel_refused"


def test_statuses_never_move_backwards(
    sms, sms_simulator, reply, client, django_capture_on_commit_callbacks
):
    message = reply(_conversation(sms, sms.twilio_number))
    for status in ("delivered", "sent", "queued", "undelivered"):
        _callback(client, django_capture_on_commit_callbacks, _status(message, status))
        message.refresh_from_db()
        assert message.status == "delivered"
    assert WebhookDelivery.objects.filter(state="processed").count() == 4


def test_an_undelivered_status_says_why(
    sms, sms_simulator, reply, client, django_capture_on_commit_callbacks
):
    message = reply(_conversation(sms, sms.twilio_number))
    params = _status(message, "undelivered", ErrorCode="30003")
    _callback(client, django_capture_on_commit_callbacks, params)
    message.refresh_from_db()
    assert (message.status, message.failure_code) == ("undelivered", "30003")
    assert message.failure_reason.startswith("The recipient's phone is unreachable")


def test_a_status_for_a_message_we_never_sent_waits_then_fails(
    sms, client, django_capture_on_commit_callbacks
):
    params = fixture("twilio_status_delivered.json")
    _callback(client, django_capture_on_commit_callbacks, params)
    event = WebhookDelivery.objects.get()
    assert event.state == "pending"  # a worker retries, then fails it: tests/integration


def test_in_a_worker_a_transient_failure_is_retried_later_with_backoff(
    sms, sms_simulator, agent, django_capture_on_commit_callbacks, monkeypatch
):
    conversation = _conversation(sms, sms.twilio_number)
    with django_capture_on_commit_callbacks(execute=False):
        message = message_reply(actor=agent, conversation=conversation, body="Hello?")
    sms_simulator.add_fault(count=1, status=500, provider="twilio")
    retried = {}

    class Retrying(Exception):
        pass

    def retry(**kwargs):
        retried.update(kwargs)
        return Retrying()

    monkeypatch.setattr(send_message, "retry", retry)
    send_message.push_request(is_eager=False, retries=0)
    try:
        with pytest.raises(Retrying):
            send_message.run(str(message.pk))
    finally:
        send_message.pop_request()
    low, high = settings.SMS_SEND_BACKOFF_SECONDS * 0.8, settings.SMS_SEND_BACKOFF_SECONDS * 1.2
    assert low <= retried["countdown"] <= high
    assert _attempts(message) == [("transient", "20500")]
    message.refresh_from_db()
    assert message.status == "queued"


def test_a_message_queued_again_after_failing_gets_a_fresh_allowance(
    sms, sms_simulator, reply, settings
):
    settings.SMS_SEND_MAX_ATTEMPTS = 2
    sms_simulator.add_fault(count=2, status=503, provider="twilio")
    message = reply(_conversation(sms, sms.twilio_number))
    assert message.status == "failed"
    # As a staff retry does: queued anew, with the time it was queued.
    from django.utils import timezone

    Message.objects.filter(pk=message.pk).update(
        status="queued", failure_code="", failure_reason="", status_changed_at=timezone.now()
    )
    sms_simulator.add_fault(count=1, status=503, provider="twilio")
    send_message.delay(str(message.pk))
    message.refresh_from_db()
    assert message.status == "sent"
    numbers = SendAttempt.objects.filter(message=message).order_by("number")
    assert list(numbers.values_list("number", flat=True)) == [1, 2, 3, 4]
