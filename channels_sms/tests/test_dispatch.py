"""The dispatcher: stored deliveries claimed by lane and processed in batches.

Webhooks are posted as the providers post them; with the dispatcher on, they
publish nothing and a dispatcher pass (``dispatch_once``) processes them.
Feed entries are written after commit: the tests run those callbacks.
"""

import threading

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from channels_sms.models import WebhookDelivery
from channels_sms.services import dispatch
from channels_sms.services.dispatch import dispatch_once
from channels_sms.services.inbound import delivery_process
from channels_sms.tests.conftest import PHONE, TWILIO_NUMBER, fixture, twilio_webhook
from conversations.models import Contact, Conversation, FeedEvent, Message
from conversations.services.contacts import contact_find
from conversations.tests.test_concurrency import WAIT, Worker
from instaply.sweeper import sweep

pytestmark = pytest.mark.django_db

SMS, STATUS = "/webhooks/twilio/sms/", "/webhooks/twilio/status/"
OTHER_PHONE = "+33698765432"


@pytest.fixture
def dispatcher(settings):
    settings.SMS_INBOUND_DISPATCH = "dispatcher"


def _text(client, body, n, *, sender=PHONE, to=TWILIO_NUMBER):
    sid = f"SM{n:032d}"
    params = fixture("twilio_inbound.json") | {
        "Body": body,
        "From": sender,
        "To": to,
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
    }
    response = twilio_webhook(client, SMS, params)
    assert response.status_code == 200, response.content


def _dispatch(capture, **options) -> int:
    with capture(execute=True):  # the feed entries, written once the batch commits
        return dispatch_once(**options)


def _bodies(sender=PHONE):
    return [
        m.body
        for m in Message.objects.filter(direction=Message.Direction.INBOUND).order_by(
            "created_at", "id"
        )
        if m.contact.phone == sender
    ]


def test_the_webhook_publishes_nothing_and_one_pass_lands_the_batch_in_order(
    sms, client, dispatcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        for n in range(6):
            _text(client, f"text {n}", n, sender=(PHONE, OTHER_PHONE)[n % 2])
    assert queued == []  # no task: the stored row is the job
    assert WebhookDelivery.objects.filter(state="pending").count() == 6

    assert _dispatch(django_capture_on_commit_callbacks) == 6

    assert _bodies(PHONE) == ["text 0", "text 2", "text 4"]
    assert _bodies(OTHER_PHONE) == ["text 1", "text 3", "text 5"]
    contact = contact_find(tenant_id=sms.tenant.pk, kind="phone", value=PHONE)
    assert Conversation.objects.get(contact=contact).inbound_count == 3
    deliveries = WebhookDelivery.objects.order_by("id")
    assert {(d.state, d.attempts, d.payload) for d in deliveries} == {("processed", 1, None)}
    messages = Message.objects.order_by("created_at", "id")
    assert [d.message_id for d in deliveries] == [m.pk for m in messages]
    feed = FeedEvent.objects.order_by("seq")
    assert [e.payload["message_id"] for e in feed] == [str(m.pk) for m in messages]


def test_a_batch_run_again_changes_nothing(
    sms, client, dispatcher, django_capture_on_commit_callbacks
):
    for n in range(3):
        _text(client, f"text {n}", n)
    assert _dispatch(django_capture_on_commit_callbacks) == 3
    assert _dispatch(django_capture_on_commit_callbacks) == 0
    for delivery in WebhookDelivery.objects.all():  # its task, delivered late
        delivery_process(delivery_id=delivery.pk)
    _text(client, "text 0", 0)  # the provider's retry of a stored webhook
    assert _dispatch(django_capture_on_commit_callbacks) == 0
    assert Message.objects.count() == FeedEvent.objects.count() == 3


def test_keywords_and_texts_of_one_batch_land_in_the_order_they_were_stored(
    sms, client, dispatcher, django_capture_on_commit_callbacks
):
    for n, body in enumerate(["before", "STOP", "after", "START", "again"]):
        _text(client, body, n)
    assert _dispatch(django_capture_on_commit_callbacks) == 5
    assert _bodies() == ["before", "STOP", "after", "START", "again"]
    contact = Contact.objects.get()
    assert contact.opted_out_channels == []
    notes = list(WebhookDelivery.objects.order_by("id").values_list("note", flat=True))
    assert notes == ["", "stop", "", "start", ""]


def test_a_poisoned_delivery_fails_alone_and_the_rest_of_its_batch_lands(
    sms, client, dispatcher, django_capture_on_commit_callbacks
):
    for n in range(3):
        _text(client, f"text {n}", n)
    poisoned = WebhookDelivery.objects.order_by("id")[1]
    poisoned.payload = poisoned.payload | {"Body": ["not", "a", "text"]}
    poisoned.save(update_fields=["payload"])

    assert _dispatch(django_capture_on_commit_callbacks) == 3

    states = list(WebhookDelivery.objects.order_by("id").values_list("state", "note"))
    assert states[0] == states[2] == ("processed", "")
    assert states[1][0] == "failed" and states[1][1].startswith("Processing raised ")
    assert _bodies() == ["text 0", "text 2"]
    assert FeedEvent.objects.count() == 2


def test_a_status_ahead_of_its_message_waits_without_holding_up_the_lane(
    sms, client, dispatcher, django_capture_on_commit_callbacks
):
    status = fixture("twilio_status_delivered.json") | {"MessageSid": "SM" + "9" * 32}
    assert twilio_webhook(client, STATUS, status).status_code in (200, 204)
    _text(client, "meanwhile", 1)
    assert _dispatch(django_capture_on_commit_callbacks) == 2
    waiting = WebhookDelivery.objects.get(kind="status")
    assert (waiting.state, waiting.attempts) == ("pending", 1)
    assert _bodies() == ["meanwhile"]
    assert _dispatch(django_capture_on_commit_callbacks) == 0  # not again at once
    with time_machine.travel(timezone.now() + dispatch.NOT_YET_BACKOFF * 2):
        assert _dispatch(django_capture_on_commit_callbacks) == 1
    waiting.refresh_from_db()
    assert (waiting.state, waiting.attempts) == ("pending", 2)


def test_the_sweeper_leaves_pending_deliveries_to_the_dispatcher(sms, client, dispatcher):
    _text(client, "hello", 1)
    later = timezone.now() + timezone.timedelta(days=1)
    assert sweep(now=later)["webhook_deliveries"] == 0
    assert WebhookDelivery.objects.get().state == "pending"


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent PostgreSQL connections"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_lane_another_dispatcher_works_is_left_alone(sms, client, dispatcher):
    for n in range(3):
        _text(client, f"text {n}", n)
    held, release = threading.Event(), threading.Event()

    def another_dispatcher_mid_batch():
        with transaction.atomic():
            assert dispatch._lane_taken(sms.twilio_number.pk)
            held.set()
            assert release.wait(WAIT)

    other = Worker(another_dispatcher_mid_batch)
    other.start()
    assert held.wait(WAIT)
    try:
        assert dispatch_once() == 0
    finally:
        release.set()
        other.outcome()
    assert dispatch_once() == 3


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_drain_a_backlog_each_conversation_in_order(sms, client, dispatcher):
    senders = ["+33611111111", "+33622222222", "+33633333333"]
    numbers = [TWILIO_NUMBER, sms.service_number.number]
    n = 0
    for round_ in range(8):
        for sender in senders:
            for number in numbers:
                _text(client, f"{sender} {number} {round_}", n, sender=sender, to=number)
                n += 1

    def drain():
        while WebhookDelivery.objects.filter(state="pending").exists():
            dispatch_once(batch_size=5)

    workers = [Worker(drain), Worker(drain)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.outcome()

    assert Message.objects.count() == FeedEvent.objects.count() == n
    for conversation in Conversation.objects.all():
        bodies = [
            m.body
            for m in Message.objects.filter(conversation=conversation).order_by("created_at", "id")
        ]
        rounds = [int(body.rsplit(" ", 1)[1]) for body in bodies]
        assert rounds == list(range(8)), bodies
    assert Conversation.objects.count() == len(senders) * len(numbers)
