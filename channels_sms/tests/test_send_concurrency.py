"""Two workers sending the same message at the same moment make one provider call.

The send task may be delivered twice (acks_late, a redelivery after a lost
worker, a retry while the first run still waits on the provider). Two threads,
each with its own PostgreSQL connection, run the task together; the first to
reach the provider waits there until the second has either reached the provider
too, is blocked on the message's row lock, or has finished (having found the
first run's "calling" attempt), so the test sees the race every time instead
of by luck.
"""

import threading
import time

import pytest
from django.db import connection, connections

from channels_sms.models import SendAttempt
from channels_sms.services import outbound
from channels_sms.tasks import send_message
from channels_sms.tests.conftest import PHONE
from conversations.models import Conversation, Message
from conversations.services.contacts import contact_get_or_create
from conversations.tests.factories import MessageFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and concurrent connections"
    ),
]


def _others_wait_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def test_two_workers_running_one_send_make_one_provider_call(sms, sms_simulator, monkeypatch):
    contact, _ = contact_get_or_create(tenant_id=sms.tenant.id, kind="phone", value=PHONE)
    conversation = Conversation.objects.create(
        tenant=sms.tenant,
        shop=sms.shop,
        contact=contact,
        channel="sms",
        endpoint_id=sms.twilio_number.pk,
    )
    message = MessageFactory(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        sender_kind=Message.SenderKind.MEMBER,
        status=Message.Status.QUEUED,
        body="Your order is ready.",
    )

    real_hand_over = outbound._hand_over
    at_provider, seen, finished = [], [], []

    def hand_over(*args):
        at_provider.append(threading.get_ident())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if len(at_provider) == 2:
                seen.append("both at the provider")
                break
            if _others_wait_on_a_lock():
                seen.append("the other waits on the lock")
                break
            if finished:
                seen.append("the other ended while this one was at the provider")
                break
            time.sleep(0.01)
        return real_hand_over(*args)

    monkeypatch.setattr(outbound, "_hand_over", hand_over)
    start, errors = threading.Barrier(2), []

    def worker():
        try:
            start.wait(10)
            send_message.apply(args=[str(message.pk)], throw=True)
            finished.append(threading.get_ident())
        except Exception as exc:  # noqa: BLE001  (re-raised below)
            errors.append(exc)
        finally:
            connections.close_all()  # the reporting database too

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert seen, "the two runs did not overlap"
    assert len(sms_simulator.messages(to=PHONE)) == 1
    assert SendAttempt.objects.filter(message=message).count() == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.provider_message_id
