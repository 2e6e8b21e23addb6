"""A visitor writing while their consent is being withdrawn: the message waits
for the withdrawal, then is sent under nothing (neither linked to the consent
just withdrawn nor deleted with it). Two threads, two PostgreSQL connections."""

import threading

import pytest
from django.db import connection, transaction

from conversations.models import Message, WidgetVisitor
from conversations.tests.test_concurrency import WAIT, Worker, _waits_on_a_lock
from conversations.widget.consent import visitor_consent_give, visitor_consent_withdraw
from conversations.widget.services import visitor_start, visitor_write

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent PostgreSQL connections"
    ),
    pytest.mark.django_db(transaction=True),
]


def _visitor(pk) -> WidgetVisitor:
    return WidgetVisitor.objects.select_related("contact", "widget", "conversation__shop").get(
        pk=pk
    )


def test_a_message_written_during_a_withdrawal_is_not_linked_to_it(consent_widget):
    visitor, _ = visitor_start(widget=consent_widget, age="adult")
    visitor_consent_give(visitor=_visitor(visitor.pk), text_version="1")
    under = visitor_write(visitor=_visitor(visitor.pk), body="my diagnosis")
    assert under.consent_id is not None
    withdrawn, commit = threading.Event(), threading.Event()

    def withdraw():
        with transaction.atomic():
            _, deleted = visitor_consent_withdraw(visitor=_visitor(visitor.pk))
            withdrawn.set()
            assert commit.wait(WAIT)
        return deleted

    one = Worker(withdraw)
    one.start()
    assert withdrawn.wait(WAIT)
    two = Worker(lambda: visitor_write(visitor=_visitor(visitor.pk), body="written meanwhile").pk)
    two.start()
    while two.is_alive() and not (two.backend_pid and _waits_on_a_lock(two.backend_pid)):
        two.join(0.01)
    commit.set()
    assert one.outcome() == [str(under.pk)]
    meanwhile = Message.objects.get(pk=two.outcome())
    assert meanwhile.consent_id is None
    assert not Message.objects.filter(pk=under.pk).exists()
