"""Delivery statuses that match no message yet, processed by a real Celery worker.

In-process (eager) runs return at once when a status matches nothing, so only a
worker shows what happens next: the task is retried later, applies the status
once the message it reports on exists, and gives up (failed, with the reason)
once the status has waited longer than STATUS_WAIT, instead of staying pending.
"""

import datetime as dt
import time

import pytest
from django.db import transaction
from django.utils import timezone

from channels_sms.models import PhoneNumber, ProviderAccount, WebhookDelivery
from channels_sms.providers import credentials_of
from channels_sms.services.deliveries import Route, delivery_record
from channels_sms.services.inbound import STATUS_WAIT
from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from tests.integration.support import WORKER_SCENARIO

pytestmark = WORKER_SCENARIO

TWILIO_SID, TWILIO_TOKEN, NUMBER = "AC" + "d" * 32, "status-auth-token", "+15017122664"


@pytest.fixture
def route(tenant_a):
    account = ProviderAccount.objects.create(
        tenant=tenant_a.tenant, provider="twilio", account_ref=TWILIO_SID, auth_token=TWILIO_TOKEN
    )
    number = PhoneNumber.objects.create(
        tenant=tenant_a.tenant,
        shop=tenant_a.shop,
        account=account,
        provider="twilio",
        number=NUMBER,
    )
    return Route("twilio", credentials_of(account), tenant_a.tenant.id, number)


def _status(route, sid: str, *, received_ago: dt.timedelta | None = None) -> WebhookDelivery:
    """Stores a delivery status as the webhook does; its processing goes to the
    worker once committed (backdated first, in the same transaction, when asked)."""
    with transaction.atomic():
        delivery_record(
            route=route,
            kind="status",
            provider_message_id=sid,
            provider_status="delivered",
            payload={
                "MessageSid": sid,
                "SmsSid": sid,
                "MessageStatus": "delivered",
                "AccountSid": TWILIO_SID,
                "From": NUMBER,
                "To": "+33612345678",
            },
        )
        event = WebhookDelivery.objects.get(provider_message_id=sid)
        if received_ago is not None:
            WebhookDelivery.objects.filter(pk=event.pk).update(
                received_at=timezone.now() - received_ago
            )
    return event


def _wait_for_state(event, state: str, worker, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event.refresh_from_db()
        if event.state == state:
            return event
        if worker.poll() is not None:
            pytest.fail(f"the worker died: {worker.stdout.read()}")
        time.sleep(0.2)
    pytest.fail(f"the status stayed {event.state!r} ({event.note!r}), never {state!r}")


def _wait_for_retry(worker, event, timeout: float = 30):
    from instaply.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        held = app.control.inspect(timeout=1).scheduled() or {}
        if any(
            str(event.pk) in str(task["request"]["args"])
            for tasks in held.values()
            for task in tasks
        ):
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker died: {worker.stdout.read()}")
    event.refresh_from_db()
    pytest.fail(f"the worker scheduled no retry of the status ({event.state!r})")


def test_a_status_that_never_matches_fails_with_its_reason_instead_of_staying_pending(
    route, worker
):
    event = _status(route, "SM" + "0" * 32, received_ago=STATUS_WAIT + dt.timedelta(minutes=1))
    event = _wait_for_state(event, "failed", worker, timeout=30)
    assert event.note == "No message of ours has this provider id."
    assert event.attempts == 1


def test_a_status_that_overtook_its_message_is_retried_and_applied(route, worker, tenant_a):
    sid = "SM" + "1" * 32
    event = _status(route, sid)
    # The worker's first try finds no message and schedules a retry (NOT_YET_COUNTDOWN
    # later): wait until the worker holds that retry, then let the send commit.
    _wait_for_retry(worker, event)
    conversation = ConversationFactory(
        tenant=tenant_a.tenant, shop=tenant_a.shop, channel="sms", endpoint_id=route.number.pk
    )
    message = MessageFactory(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        sender_kind=Message.SenderKind.MEMBER,
        status=Message.Status.SENT,
        provider_message_id=sid,
    )
    event = _wait_for_state(event, "processed", worker, timeout=90)
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert event.message_id == message.pk
