"""First messages processed by two workers at once: one contact, one conversation.

Each worker is a thread with its own PostgreSQL connection, as two Celery
workers would be. SQLite serialises every writer, so there is no race to show.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from conversations.models import Contact, Conversation, Message
from conversations.services.contacts import contact_find, contact_get_or_create
from conversations.services.messages import conversation_for_inbound, message_receive
from conversations.tests.factories import ContactFactory
from instaply.ids import uuid7

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent PostgreSQL connections"
    ),
    pytest.mark.django_db(transaction=True),
]

WAIT = 60  # seconds: a safety net against a hung test, never an assertion


class Worker(threading.Thread):
    """Runs target on its own database connection; keeps its result or error."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self.target, self.result, self.error = target, None, None
        self.backend_pid = None

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend_pid = cursor.fetchone()[0]
            self.result = self.target()
        except Exception as exc:  # noqa: BLE001  (re-raised by outcome)
            self.error = exc
        finally:
            connections.close_all()  # the reporting database too

    def outcome(self):
        self.join(WAIT)
        assert not self.is_alive(), "worker hung"
        if self.error is not None:
            raise self.error
        return self.result


def _waits_on_a_lock(pid) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def test_a_second_worker_joins_the_conversation_the_first_has_not_committed_yet(tenant_a):
    contact = ContactFactory(tenant=tenant_a.tenant)
    endpoint = uuid7()
    created, commit = threading.Event(), threading.Event()

    def open_conversation():
        return conversation_for_inbound(
            shop=tenant_a.shop, contact=contact, channel="sms", endpoint_id=endpoint
        ).pk

    def first():
        with transaction.atomic():
            conversation_id = open_conversation()
            created.set()
            assert commit.wait(WAIT)
        return conversation_id

    one = Worker(first)
    one.start()
    assert created.wait(WAIT)
    two = Worker(lambda: transaction.atomic()(open_conversation)())
    two.start()
    # The first worker commits only once the second has either finished (the
    # race lost: it saw nothing and opened its own) or is waiting for the first.
    while two.is_alive() and not (two.backend_pid and _waits_on_a_lock(two.backend_pid)):
        two.join(0.01)
    commit.set()
    assert one.outcome() == two.outcome()
    assert Conversation.objects.filter(contact=contact).count() == 1


def test_first_texts_racing_from_a_new_sender_make_one_contact_and_one_conversation(tenant_a):
    endpoint = uuid7()
    for round_ in range(5):
        sender = f"+3361111{round_:04d}"
        barrier = threading.Barrier(2, timeout=WAIT)

        def receive(body, sender=sender, barrier=barrier):
            barrier.wait()  # both workers start together: a real race
            with transaction.atomic():
                contact, _ = contact_get_or_create(
                    tenant_id=tenant_a.tenant.id, kind="phone", value=sender
                )
                conversation = conversation_for_inbound(
                    shop=tenant_a.shop, contact=contact, channel="sms", endpoint_id=endpoint
                )
                return message_receive(conversation=conversation, body=body).conversation_id

        workers = [Worker(lambda body=body: receive(body)) for body in ("Hello", "Are you open?")]
        for worker in workers:
            worker.start()
        assert len({worker.outcome() for worker in workers}) == 1
        contact = contact_find(tenant_id=tenant_a.tenant.id, kind="phone", value=sender)
        assert Contact.objects.filter(tenant=tenant_a.tenant).count() == round_ + 1
        assert Conversation.objects.filter(contact=contact).count() == 1
        assert Message.objects.filter(contact=contact).count() == 2
