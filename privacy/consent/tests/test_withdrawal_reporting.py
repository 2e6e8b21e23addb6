"""A withdrawn consent takes the facts of the messages it deletes out of the
reporting database in the same transaction (analytics.reporting.forget)."""

import pytest

from analytics.reporting import keys
from analytics.reporting.models import MessageFact
from analytics.reporting.tests.support import extract
from audit.models import AuditEvent
from privacy.consent.tests.conftest import Visitor

pytestmark = pytest.mark.django_db


def test_the_deleted_messages_facts_go_and_the_others_stay(
    client, consent_widget, django_capture_on_commit_callbacks
):
    visitor = Visitor(client, consent_widget, name="Inès")
    before = visitor.write("Hello, a question about insoles")
    assert visitor.give().status_code == 201
    under = [visitor.write("I have diabetes"), visitor.write("and flat feet")]
    extract()
    assert MessageFact.objects.count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert visitor.withdraw().status_code == 200

    left = set(MessageFact.objects.values_list("key", flat=True))
    assert left == {keys.opaque_key(keys.MESSAGE, before)}
    assert not left & {keys.opaque_key(keys.MESSAGE, pk) for pk in under}
    event = AuditEvent.objects.get(action="reporting.facts_forgotten")
    assert event.metadata == {"cause": "consent_withdrawn", "message_facts": 2, "messages": 2}
