"""Customer history over SMS: a text reopens the sender's recently closed
conversation, or opens one that follows it, on every inbound path: the task of
one delivery (the embedded default publishes one per webhook) and the
dispatcher's batches. Keywords and automatic answers land as system lines."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_sms.models import WebhookDelivery
from channels_sms.services.dispatch import dispatch_once
from channels_sms.tests.conftest import PHONE, TWILIO_NUMBER, fixture, twilio_webhook
from conversations.models import Contact, Conversation, Message, Reopening
from conversations.services.contacts import contact_get_or_create
from conversations.services.messages import conversation_for_inbound, message_receive
from conversations.tests.test_concurrency import WAIT, Worker
from tenants.models import Role, Tenant

pytestmark = pytest.mark.django_db

SMS = "/webhooks/twilio/sms/"
OTHER, THIRD = "+33698765432", "+33611223344"


def _text(client, body, n, *, sender=PHONE):
    sid = f"SM{n:032d}"
    params = fixture("twilio_inbound.json") | {
        "Body": body,
        "From": sender,
        "To": TWILIO_NUMBER,
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
    }
    response = twilio_webhook(client, SMS, params)
    assert response.status_code == 200, response.content


def _close(conversation, *, days_ago, assignee=None):
    """As the inbox's close leaves it, ``days_ago`` days back."""
    Conversation.objects.filter(pk=conversation.pk).update(
        status="closed",
        closed_at=timezone.now() - dt.timedelta(days=days_ago),
        assignee=assignee,
    )


def _conversation_of(tenant, sender):
    contact, _ = contact_get_or_create(tenant_id=tenant.pk, kind="phone", value=sender)
    return Conversation.objects.filter(contact=contact).order_by("-id")


@pytest.fixture
def task_path(client, django_capture_on_commit_callbacks):
    """The embedded default: each webhook's processing task runs (eagerly)."""

    def text(body, n, sender=PHONE):
        with django_capture_on_commit_callbacks(execute=True):
            _text(client, body, n, sender=sender)

    return text


def test_task_path_reopens_within_the_window_and_follows_after_it(sms_a, tenant_a, task_path):
    tenant = sms_a.tenant
    task_path("My screen is cracked", 1)
    first = _conversation_of(tenant, PHONE).get()
    member = tenant_a.members[Role.AGENT]
    _close(first, days_ago=2, assignee=member)

    task_path("Any news?", 2)
    assert _conversation_of(tenant, PHONE).count() == 1
    first.refresh_from_db()
    assert first.status == "open" and first.assignee_id == member.pk
    assert Reopening.objects.filter(conversation=first).count() == 1

    _close(first, days_ago=9)
    task_path("A new question", 3)
    newest = _conversation_of(tenant, PHONE).first()
    assert newest.pk != first.pk and newest.previous_id == first.pk
    assert [m.body for m in Message.objects.filter(conversation=newest)] == ["A new question"]


def test_keywords_and_the_help_answer_are_system_lines(sms_a, task_path):
    task_path("HELP", 1)
    task_path("STOP", 2)
    task_path("START", 3)
    events = list(Message.objects.order_by("created_at", "id").values_list("event", flat=True))
    assert events == ["help", "help_answer", "stop", "start"]
    assert Message.objects.get(event="help_answer").sender_kind == "system"


@pytest.fixture
def dispatcher(settings):
    settings.SMS_INBOUND_DISPATCH = "dispatcher"


def test_one_batch_reopens_opens_and_continues_each_sender_in_order(
    sms_a, client, dispatcher, django_capture_on_commit_callbacks
):
    tenant = sms_a.tenant
    with django_capture_on_commit_callbacks(execute=True):
        for n, sender in enumerate((PHONE, OTHER, THIRD)):
            _text(client, f"first {n}", n, sender=sender)
        dispatch_once()
    recent, old, still_open = (_conversation_of(tenant, s).get() for s in (PHONE, OTHER, THIRD))
    _close(recent, days_ago=1)
    _close(old, days_ago=30)

    with django_capture_on_commit_callbacks(execute=True):
        for n, sender in enumerate((PHONE, OTHER, THIRD, PHONE, OTHER), start=10):
            _text(client, f"again {n}", n, sender=sender)
        assert dispatch_once() == 5

    recent.refresh_from_db()
    assert recent.status == "open" and Reopening.objects.get().conversation_id == recent.pk
    assert [m.body for m in Message.objects.filter(conversation=recent).order_by("id")] == [
        "first 0",
        "again 10",
        "again 13",
    ]
    follower = _conversation_of(tenant, OTHER).first()
    assert follower.pk != old.pk and follower.previous_id == old.pk
    assert [m.body for m in Message.objects.filter(conversation=follower).order_by("id")] == [
        "again 11",
        "again 14",
    ]
    assert _conversation_of(tenant, THIRD).get().pk == still_open.pk
    states = set(WebhookDelivery.objects.values_list("state", flat=True))
    assert states == {"processed"}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite updates the conversations one by one"
)
def test_a_batch_of_open_conversations_costs_the_same_whatever_its_size(
    sms, client, dispatcher, django_capture_on_commit_callbacks
):
    senders = [f"+3361000{n:04d}" for n in range(8)]
    for n, sender in enumerate(senders):
        _text(client, "hello", n, sender=sender)
    dispatch_once()  # every sender has an open conversation now

    def batch(count, start):
        for n, sender in enumerate(senders[:count], start=start):
            _text(client, "again", n, sender=sender)
        with CaptureQueriesContext(connection) as queries:
            assert dispatch_once() == count
        return [q["sql"] for q in queries]

    small, large = batch(2, 100), batch(8, 200)
    assert len(small) == len(large), (small, large)
    assert not any("reopening" in sql for sql in large)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("days_ago", [1, 30])
def test_two_texts_racing_after_a_closing_end_in_one_conversation(sms, days_ago):
    contact, _ = contact_get_or_create(tenant_id=sms.tenant.pk, kind="phone", value=PHONE)
    closed = conversation_for_inbound(
        shop=sms.shop, contact=contact, channel="sms", endpoint_id=sms.twilio_number.pk
    )
    _close(closed, days_ago=days_ago)
    barrier = threading.Barrier(2, timeout=WAIT)

    def receive(body):
        barrier.wait()  # both start together: a real race
        with transaction.atomic():
            conversation = conversation_for_inbound(
                shop=sms.shop, contact=contact, channel="sms", endpoint_id=sms.twilio_number.pk
            )
            return message_receive(conversation=conversation, body=body).conversation_id

    workers = [Worker(lambda body=body: receive(body)) for body in ("one", "two")]
    for worker in workers:
        worker.start()
    landed = {worker.outcome() for worker in workers}

    assert len(landed) == 1
    open_ = Conversation.objects.filter(contact=contact).exclude(status="closed")
    assert list(open_.values_list("pk", flat=True)) == list(landed)
    if days_ago == 1:
        assert landed == {closed.pk} and Reopening.objects.count() == 1
    else:
        assert open_.get().previous_id == closed.pk and Reopening.objects.count() == 0
    assert Message.objects.filter(contact=contact).count() == 2
    assert Contact.objects.count() == 1
    assert Tenant.objects.get(pk=sms.tenant.pk).reopen_window_days == 7
