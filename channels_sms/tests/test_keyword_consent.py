"""SMS STOP and START in the consent ledger (purpose sms_messages): every keyword
is an entry, the opt-out state agrees with the newest one, and a retried or
replayed webhook records nothing twice."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from channels_sms.models import WebhookDelivery
from channels_sms.tests.conftest import PHONE, TWILIO_NUMBER, fixture, twilio_webhook
from conversations.models import Contact
from privacy.consent.models import ConsentEntry
from privacy.consent.selectors import consent_current

pytestmark = pytest.mark.django_db

TWILIO_SMS = "/webhooks/twilio/sms/"


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def post(params):
        with django_capture_on_commit_callbacks(execute=True):
            response = twilio_webhook(client, TWILIO_SMS, params)
        assert response.status_code in (200, 204), response.content
        return response

    return post


def _text(body: str, sid: str) -> dict:
    return fixture("twilio_inbound.json") | {
        "Body": body,
        "From": PHONE,
        "To": TWILIO_NUMBER,
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
    }


def _ledger():
    return [
        (e.action, e.channel, e.details)
        for e in ConsentEntry.objects.filter(purpose="sms_messages").order_by("occurred_at")
    ]


def _agrees(contact: Contact) -> bool:
    newest = consent_current(contact, "sms_messages")
    opted_out = "sms" in Contact.objects.get(pk=contact.pk).opted_out_channels
    return newest is None or opted_out == (newest.action == "withdrawn")


def test_stop_and_start_are_entries_of_the_ledger_in_step_with_the_opt_out(sms, deliver):
    start = timezone.now() - dt.timedelta(hours=3)
    for hour, (body, sid) in enumerate(
        [(" unsubscribe. ", "a"), ("STOP", "b"), ("Start", "c"), ("hello", "d")]
    ):
        with time_machine.travel(start + dt.timedelta(hours=hour), tick=False):
            deliver(_text(body, "SM" + sid * 32))
        assert _agrees(Contact.objects.get())

    assert _ledger() == [
        ("withdrawn", "sms_keyword", {"keyword": "STOP", "word": "UNSUBSCRIBE"}),
        ("withdrawn", "sms_keyword", {"keyword": "STOP", "word": "STOP"}),
        ("given", "sms_keyword", {"keyword": "START", "word": "START"}),
    ]
    contact = Contact.objects.get()
    assert contact.opted_out_channels == []
    entry = consent_current(contact, "sms_messages")
    assert entry.occurred_at == start + dt.timedelta(hours=2)
    assert entry.recorded_by is None and entry.text == ""


def test_a_retried_or_replayed_stop_is_recorded_once(sms, deliver):
    params = _text("STOP", "SM" + "e" * 32)
    deliver(params)
    deliver(params)  # the provider retried
    assert len(_ledger()) == 1
    # A delivery queued again after it was processed (a lost acknowledgement) does nothing.
    from channels_sms.services.inbound import delivery_process

    delivery_process(delivery_id=WebhookDelivery.objects.get().pk)
    assert len(_ledger()) == 1
    assert Contact.objects.get().opted_out_channels == ["sms"]


def test_a_stop_whose_processing_fails_records_nothing(sms, deliver, monkeypatch):
    from channels_sms.services import inbound

    def broken(**kwargs):
        raise inbound.Invalid("the inbox refused it")

    monkeypatch.setattr(inbound, "message_receive", broken)
    deliver(_text("STOP", "SM" + "f" * 32))
    assert WebhookDelivery.objects.get().state == "failed"
    # Everything of the attempt rolled back together: no entry, no opt-out, no contact.
    assert _ledger() == [] and not Contact.objects.exists()
