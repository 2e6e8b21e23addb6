"""Customer history: a new message reopens a recently closed conversation (with
its assignee and labels) or opens one that follows it; a contact's conversations
are listed, role-limited and audited; system lines are marked in the thread."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from conversations.models import Conversation, ConversationLabel, Label, Message, Reopening
from conversations.services import inbox
from conversations.services.messages import conversation_for_inbound, message_receive
from conversations.tests.factories import ContactFactory, ConversationFactory
from tenants.models import Role, Tenant

pytestmark = pytest.mark.django_db


def _window(tenant, days):
    Tenant.objects.filter(pk=tenant.pk).update(reopen_window_days=days)


def _closed(world, conversation, *, days_ago):
    """Closes it through the service, as staff do, ``days_ago`` days back."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=days_ago), tick=False):
        inbox.conversation_set_status(
            actor=world.members[Role.AGENT], conversation=conversation, status="closed"
        )
    conversation.refresh_from_db()
    return conversation


def _text(conversation, body="Me again"):
    found = conversation_for_inbound(
        shop=conversation.shop,
        contact=conversation.contact,
        channel=conversation.channel,
        endpoint_id=conversation.endpoint_id,
    )
    message_receive(conversation=found, body=body)
    found.refresh_from_db()
    return found


@pytest.fixture
def handled(tenant_a):
    """A conversation an agent took, labelled, and closed."""
    conversation = ConversationFactory(tenant=tenant_a.tenant, shop=tenant_a.shop, channel="sms")
    agent = tenant_a.members[Role.AGENT]
    inbox.conversation_assign(actor=agent, conversation=conversation, assignee=agent)
    label = Label.objects.create(tenant=tenant_a.tenant, name="repair")
    inbox.conversation_label(actor=agent, conversation=conversation, label=label, present=True)
    conversation.refresh_from_db()
    return conversation


def test_a_text_within_the_window_reopens_it_with_its_assignee_and_labels(tenant_a, handled):
    _closed(tenant_a, handled, days_ago=6)
    assert handled.closed_at is not None

    found = _text(handled)

    assert found.pk == handled.pk
    assert found.status == "open"
    assert found.assignee_id == tenant_a.members[Role.AGENT].pk
    labels = ConversationLabel.objects.filter(conversation=found).values_list("label__name")
    assert list(labels) == [("repair",)]
    assert Conversation.objects.filter(contact=handled.contact).count() == 1
    assert Reopening.objects.filter(conversation=found).count() == 1
    assert AuditEvent.objects.filter(
        action="conversation.reopened_by_message", target_id=str(found.pk)
    ).exists()


def test_after_the_window_a_new_conversation_follows_the_previous(tenant_a, handled):
    _closed(tenant_a, handled, days_ago=8)

    found = _text(handled)

    assert found.pk != handled.pk
    assert found.previous_id == handled.pk
    assert found.status == "open" and found.assignee_id is None
    handled.refresh_from_db()
    assert handled.status == "closed"
    assert not Reopening.objects.exists()


def test_the_window_is_the_tenant_s(tenant_a, handled):
    _window(tenant_a.tenant, 30)
    _closed(tenant_a, handled, days_ago=20)
    assert _text(handled).pk == handled.pk


def test_a_window_of_zero_never_reopens(tenant_a, handled):
    _window(tenant_a.tenant, 0)
    _closed(tenant_a, handled, days_ago=0)
    found = _text(handled)
    assert found.pk != handled.pk and found.previous_id == handled.pk


def test_only_the_last_conversation_of_the_endpoint_is_reopened(tenant_a, handled):
    _window(tenant_a.tenant, 0)
    _closed(tenant_a, handled, days_ago=1)
    second = _text(handled)
    _closed(tenant_a, second, days_ago=0)
    _window(tenant_a.tenant, 7)
    assert _text(handled).pk == second.pk  # the newer one, not the first


def test_another_endpoint_or_channel_is_another_history(tenant_a, handled):
    _closed(tenant_a, handled, days_ago=1)
    other = conversation_for_inbound(
        shop=handled.shop, contact=handled.contact, channel="widget", endpoint_id=handled.pk
    )
    assert other.pk != handled.pk and other.previous_id is None


def test_a_conversation_closed_before_closed_at_existed_counts_from_its_last_activity(
    tenant_a, handled
):
    Conversation.objects.filter(pk=handled.pk).update(
        status="closed", closed_at=None, last_activity_at=timezone.now() - dt.timedelta(days=2)
    )
    assert _text(handled).pk == handled.pk
    Conversation.objects.filter(pk=handled.pk).update(
        status="closed", last_activity_at=timezone.now() - dt.timedelta(days=9)
    )
    assert _text(handled).pk != handled.pk


def test_a_widget_visitor_writing_in_a_recently_closed_chat_reopens_it(client, tenant_a, widget_a):
    from conversations.tests.test_widget import _api, _start

    token = _start(client, widget_a, name="Léa", email="lea@example.org")
    assert _api(client, widget_a, "messages", token=token, body="Hi").status_code == 201
    conversation = Conversation.objects.get()
    _closed(tenant_a, conversation, days_ago=1)

    assert _api(client, widget_a, "messages", token=token, body="Back").status_code == 201

    assert Conversation.objects.count() == 1
    conversation.refresh_from_db()
    assert conversation.status == "open"
    # After the window, the same visitor's text opens a new one after it.
    _closed(tenant_a, conversation, days_ago=10)
    assert _api(client, widget_a, "messages", token=token, body="Later").status_code == 201
    newer = Conversation.objects.exclude(pk=conversation.pk).get()
    assert newer.previous_id == conversation.pk


# The history read --------------------------------------------------------------


def _history(world, contact, role=Role.AGENT, **params):
    return world.client(role).get(f"/api/v1/contacts/{contact.pk}/conversations", params)


def test_a_contact_s_conversations_newest_first_in_keyset_pages(tenant_a, handled):
    _window(tenant_a.tenant, 0)
    _closed(tenant_a, handled, days_ago=3)
    second = _text(handled, "Where is my parcel?")
    _closed(tenant_a, second, days_ago=1)
    third = _text(handled, "Thanks!")

    first_page = _history(tenant_a, handled.contact, limit=2)
    assert first_page.status_code == 200
    body = first_page.json()
    assert [r["id"] for r in body["results"]] == [str(third.pk), str(second.pk)]
    assert body["results"][0]["last_message_preview"] == "Thanks!"
    assert body["results"][0]["previous_id"] == str(second.pk)
    assert body["results"][1]["status"] == "closed" and body["results"][1]["closed_at"]
    rest = _history(tenant_a, handled.contact, limit=2, cursor=body["next_cursor"]).json()
    assert [r["id"] for r in rest["results"]] == [str(handled.pk)]
    assert rest["next_cursor"] is None
    assert rest["results"][0]["channel"] == "sms"


def test_the_history_read_is_audited_and_role_limited(tenant_a, handled):
    for role in (Role.OWNER, Role.ADMIN, Role.AGENT, Role.VIEWER):
        assert _history(tenant_a, handled.contact, role).status_code == 200, role
    assert _history(tenant_a, handled.contact, Role.PRIVACY).status_code == 403
    reads = AuditEvent.objects.filter(
        action="personal_data.read", target_id=str(handled.contact_id)
    )
    assert reads.count() == 4
    assert reads.first().metadata["fields"] == ["conversations", "last_message_preview"]


def test_another_tenant_s_contact_is_a_404(tenant_a, tenant_b):
    theirs = ContactFactory(tenant=tenant_b.tenant)
    response = _history(tenant_a, theirs)
    assert response.status_code == 404
    assert "error" in response.json()
    missing = tenant_a.client(Role.AGENT).get("/api/v1/contacts/not-an-id/conversations")
    assert missing.status_code == 404


# System lines in the API -------------------------------------------------------


def test_automatic_messages_and_keywords_are_marked_as_system_lines(tenant_a, conversation_a):
    from conversations.services.messages import message_send_automatic

    handled = conversation_a  # a widget chat: the automatic reply leaves
    message_receive(conversation=handled, body="STOP", event=Message.Event.STOP)
    message_receive(conversation=handled, body="Hello there")
    message_send_automatic(
        conversation=handled, body="We are closed.", event=Message.Event.AUTO_REPLY
    )
    response = tenant_a.client(Role.AGENT).get(
        f"/api/v1/conversations/{handled.pk}/messages", HTTP_ACCEPT_LANGUAGE="fr"
    )
    rows = {r["body"]: r for r in response.json()["results"]}
    assert (rows["STOP"]["kind"], rows["STOP"]["event"]) == ("system", "stop")
    assert rows["STOP"]["event_label"] == "A envoyé STOP : désinscrit des SMS"
    assert (rows["Hello there"]["kind"], rows["Hello there"]["event"]) == ("message", None)
    reply = rows["We are closed."]
    assert (reply["kind"], reply["event"]) == ("system", "auto_reply")
    assert reply["event_label"] == "Réponse automatique hors des heures d'ouverture"
    # The fields clients already read are unchanged.
    assert reply["direction"] == "outbound" and reply["sender_kind"] == "system"
    assert rows["STOP"]["direction"] == "inbound" and rows["STOP"]["sender_kind"] == "contact"
