"""Withdrawing the special-category consent deletes exactly the messages sent
under it, in the widget or by staff, and records what it deleted."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from conversations.models import Contact, Conversation, ConversationRead, FeedEvent, Message
from conversations.services.inbox import conversation_mark_read
from conversations.services.messages import message_reply
from privacy.consent.models import ConsentEntry
from privacy.consent.services import consent_record_for_subject
from privacy.consent.tests.conftest import CONSENT_TEXT, Visitor
from tenants.models import Role

pytestmark = pytest.mark.django_db


def _bodies(conversation_id) -> list[str]:
    thread = Message.objects.filter(conversation_id=conversation_id).order_by("id")
    return [m.body for m in thread]


def test_the_widget_delivers_the_consent_text_and_its_version(client, consent_widget):
    config = client.get(
        f"/api/widget/v1/{consent_widget.public_key}/config",
        HTTP_ORIGIN="https://shop-a.example",
    ).json()
    assert config["special_category_consent"] is True
    assert config["special_category_text"] == CONSENT_TEXT
    assert config["special_category_text_version"] == "1"
    visitor = Visitor(client, consent_widget)
    assert visitor.consent() == {
        "purpose": "special_category_data",
        "asked": True,
        "text": CONSENT_TEXT,
        "text_version": "1",
        "given": False,
        "given_at": None,
        "given_text_version": "",
    }


def test_ticking_records_the_text_and_version_shown_once(client, consent_widget, tenant_a):
    visitor = Visitor(client, consent_widget)
    at = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        first = visitor.give()
    assert first.status_code == 201 and first.json()["given"] is True
    assert visitor.give().status_code == 200  # again: nothing new
    [entry] = ConsentEntry.objects.for_tenant(tenant_a.tenant)
    assert (entry.purpose, entry.action, entry.channel) == (
        "special_category_data",
        "given",
        "widget",
    )
    assert (entry.text, entry.text_version, entry.occurred_at) == (CONSENT_TEXT, "1", at)
    assert entry.recorded_by is None
    assert AuditEvent.objects.get(action="consent.given").actor_kind == "visitor"


def test_a_changed_wording_must_be_read_again(client, consent_widget, tenant_a):
    visitor = Visitor(client, consent_widget)
    from conversations.widget.admin_services import widget_update

    widget_update(
        actor=tenant_a.owner, widget=consent_widget, special_category_text=CONSENT_TEXT + " v2"
    )
    stale = visitor.call("consent", text_version="1")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "consent_text_changed"
    assert not ConsentEntry.objects.exists()
    assert visitor.call("consent", text_version="2").status_code == 201
    assert ConsentEntry.objects.get().text == CONSENT_TEXT + " v2"


def test_a_widget_that_does_not_ask_refuses_the_consent(client, consent_widget):
    consent_widget.special_category_consent = False
    consent_widget.save(update_fields=["special_category_consent"])
    visitor = Visitor(client, consent_widget)
    response = visitor.call("consent", text_version="1")
    assert response.status_code == 409 and response.json()["error"]["code"] == "consent_not_asked"
    assert visitor.consent()["text"] == "" and visitor.consent()["asked"] is False


def test_withdrawing_deletes_exactly_the_messages_sent_under_the_consent(
    client, consent_widget, tenant_a, django_capture_on_commit_callbacks
):
    visitor = Visitor(client, consent_widget, name="Inès")
    neighbour = Visitor(client, consent_widget, name="Paul")
    before = visitor.write("Hello, a question about insoles")
    assert visitor.give().status_code == 201
    under = [visitor.write("I have diabetes"), visitor.write("and flat feet")]
    agent = tenant_a.members[Role.AGENT]
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    conversation_mark_read(actor=agent, conversation=conversation)
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_reply(actor=agent, conversation=conversation, body="We have insoles.")
    after_reply = visitor.write("thanks")  # still under the consent
    under.append(after_reply)
    # Another visitor of the same widget, under their own consent.
    assert neighbour.give().status_code == 201
    theirs = neighbour.write("I am pregnant")
    linked = set(Message.objects.filter(consent__isnull=False).values_list("id", flat=True))
    assert {str(i) for i in linked} == set(under) | {theirs}
    assert Message.objects.get(pk=before).consent_id is None

    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.withdraw()

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["given"] is False and sorted(answer["deleted_message_ids"]) == sorted(under)
    assert _bodies(visitor.conversation_id) == [
        "Hello, a question about insoles",
        "We have insoles.",
    ]
    assert _bodies(neighbour.conversation_id) == ["I am pregnant"]
    assert Message.objects.filter(pk=reply.pk).exists()
    # The conversation reads as if they had never been written.
    conversation.refresh_from_db()
    assert conversation.last_message_preview == "We have insoles."
    assert conversation.inbound_count == 1
    read = ConversationRead.objects.get(conversation=conversation, membership=agent)
    assert read.inbound_count_seen == 1  # had read the first three; two are gone
    event = FeedEvent.objects.filter(conversation_id=conversation.pk).order_by("seq").last()
    assert event.kind == "conversation.updated" and event.payload["messages_removed"] == "3"
    # The ledger says what was deleted; the audit names every message, no content.
    withdrawal = ConsentEntry.objects.get(action="withdrawn")
    assert withdrawal.channel == "widget"
    assert withdrawal.details["deleted_messages"] == 3
    assert sorted(withdrawal.details["deleted_message_ids"]) == sorted(under)
    assert withdrawal.details["conversation_ids"] == [str(conversation.pk)]
    audited = AuditEvent.objects.get(action="consent.withdrawn")
    assert audited.metadata["messages_deleted"] == 3
    deleted = AuditEvent.objects.filter(action="message.deleted")
    assert sorted(e.target_id for e in deleted) == sorted(under)
    assert {e.metadata["consent_entry_id"] for e in deleted} == {str(withdrawal.pk)}
    everything = str(list(AuditEvent.objects.values_list("metadata", flat=True)))
    assert "diabetes" not in everything and "flat feet" not in everything
    # The visitor can write again, under no consent.
    assert visitor.consent()["given"] is False
    later = visitor.write("one more question")
    assert Message.objects.get(pk=later).consent_id is None


def test_withdrawing_what_is_not_in_force_is_refused(client, consent_widget):
    visitor = Visitor(client, consent_widget)
    visitor.write("hello")
    refused = visitor.withdraw()
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "consent_not_given"
    assert visitor.give().status_code == 201
    assert visitor.withdraw().status_code == 200
    assert visitor.withdraw().status_code == 409
    assert Message.objects.count() == 1


def test_another_session_of_the_same_person_neither_sees_nor_writes_under_it(
    client, consent_widget
):
    first = Visitor(client, consent_widget, email="ines@example.org")
    assert first.give().status_code == 201
    first.write("my medication is X")
    second = Visitor(client, consent_widget, email="ines@example.org")
    assert Contact.objects.count() == 1  # the same contact for the shop
    assert second.consent()["given"] is False
    plain = second.write("hello from my phone")
    assert Message.objects.get(pk=plain).consent_id is None
    assert second.withdraw().status_code == 409


def test_staff_withdraw_on_the_persons_instruction_through_the_same_path(
    client, consent_widget, tenant_a
):
    visitor = Visitor(client, consent_widget)
    visitor.give()
    sent = visitor.write("my blood type is O-")
    kept = Visitor(client, consent_widget).write("another person")
    contact = Contact.objects.get(pk=Message.objects.get(pk=sent).contact_id)
    agent = tenant_a.members[Role.AGENT]

    entry = consent_record_for_subject(
        actor=agent,
        contact=contact,
        purpose="special_category_data",
        action="withdrawn",
        text="Asked on the phone to withdraw.",
    )

    assert (entry.channel, entry.recorded_by_id) == ("staff", agent.pk)
    assert entry.details["deleted_message_ids"] == [sent]
    assert not Message.objects.filter(pk=sent).exists()
    assert Message.objects.filter(pk=kept).exists()
    event = AuditEvent.objects.get(action="consent.withdrawn")
    assert (event.actor_kind, event.actor_id) == ("member", str(agent.pk))
    # The visitor's widget now shows it withdrawn.
    assert visitor.consent()["given"] is False


def test_under_a_controlled_clock_a_withdrawal_deletes_exactly_what_depended_on_it(
    client, consent_widget, tenant_a
):
    """The clock stopped and moved step by step: the messages written while the
    consent was in force go; those before it, at the very instant of the
    withdrawal, and under a consent given again later stay."""
    start = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    step = dt.timedelta(minutes=5)
    with time_machine.travel(start, tick=False) as clock:
        visitor = Visitor(client, consent_widget)
        before = visitor.write("before the tick")
        clock.shift(step)
        assert visitor.give().status_code == 201
        under = [visitor.write("my medication"), visitor.write("my allergy")]
        clock.shift(step)
        withdrawn = visitor.withdraw()
        at_the_instant = visitor.write("written as it was withdrawn")
        clock.shift(step)
        assert visitor.give().status_code == 201
        again = visitor.write("under the second consent")

    assert withdrawn.status_code == 200, withdrawn.json()
    assert sorted(withdrawn.json()["deleted_message_ids"]) == sorted(under)
    left = {str(pk) for pk in Message.objects.values_list("pk", flat=True)}
    assert left == {before, at_the_instant, again}
    assert Message.objects.get(pk=at_the_instant).consent_id is None
    entries = list(ConsentEntry.objects.for_tenant(tenant_a.tenant).order_by("occurred_at", "id"))
    assert [(e.action, e.occurred_at) for e in entries] == [
        ("given", start + step),
        ("withdrawn", start + 2 * step),
        ("given", start + 3 * step),
    ]
    assert str(Message.objects.get(pk=again).consent_id) == str(entries[2].pk)
    assert entries[1].details["withdrawn_entry_id"] == str(entries[0].pk)
