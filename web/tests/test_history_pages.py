"""Customer history in the pages: the contact panel's previous conversations, the
contact page, system lines in the thread, the reopen window's settings page."""

import re

import pytest

from audit.models import AuditEvent
from conversations.models import Conversation, Message, Reopening
from conversations.services import inbox
from conversations.services.messages import (
    conversation_for_inbound,
    message_receive,
    message_send_automatic,
)
from tenants.models import Role, Tenant
from web.tests.conftest import start_conversation

pytestmark = pytest.mark.django_db


def _again(conversation, body):
    found = conversation_for_inbound(
        shop=conversation.shop,
        contact=conversation.contact,
        channel=conversation.channel,
        endpoint_id=conversation.endpoint_id,
    )
    message_receive(conversation=found, body=body)
    return Conversation.objects.get(pk=found.pk)


def _close(world, conversation):
    inbox.conversation_set_status(
        actor=world.members[Role.AGENT], conversation=conversation, status="closed"
    )


@pytest.fixture
def followed(tenant_a, widget_a):
    """A closed conversation and, the window at 0, the one that follows it."""
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(reopen_window_days=0)
    first = start_conversation(tenant_a, widget_a, body="Where is my order 4711?")
    _close(tenant_a, first)
    return first, _again(first, "It came, thanks")


def test_the_contact_panel_lists_previous_conversations_and_the_read_is_audited(
    tenant_a, followed, page_as
):
    first, second = followed
    html = page_as(Role.VIEWER).get(f"/c/{second.id}/").content.decode()
    panel = html[html.index('class="previous-conversations"') :]
    assert f'href="/c/{first.id}/"' in panel
    assert "Where is my order 4711?" in panel and ">Closed<" in panel
    assert f'data-history="{second.id}"' not in panel  # not the one on screen
    assert f'href="/contacts/{first.contact_id}/"' in panel
    # The thread says which conversation this one follows, linking it.
    assert "Follows the conversation of" in html and f'href="/c/{first.id}/"' in html
    read = AuditEvent.objects.filter(action="personal_data.read", target_id=str(second.id)).last()
    assert "conversations" in read.metadata["fields"]


def test_the_contact_page_lists_every_conversation_in_french(tenant_a, followed, page_as):
    first, second = followed
    browser = page_as(Role.AGENT)
    browser.cookies["django_language"] = "fr"
    html = browser.get(f"/contacts/{first.contact_id}/", HTTP_ACCEPT_LANGUAGE="fr").content
    html = html.decode()
    assert html.index(f'data-history="{second.id}"') < html.index(f'data-history="{first.id}"')
    assert "It came, thanks" in html and "Where is my order 4711?" in html
    assert AuditEvent.objects.filter(
        action="personal_data.read", target_id=str(first.contact_id)
    ).exists()


def test_the_contact_page_is_for_readers_only(tenant_a, followed, page_as):
    first, _ = followed
    assert page_as(Role.PRIVACY).get(f"/contacts/{first.contact_id}/").status_code == 403


def test_reopening_and_automatic_messages_are_centred_system_lines(tenant_a, widget_a, page_as):
    conversation = start_conversation(tenant_a, widget_a, body="Hello?")
    message_send_automatic(
        conversation=conversation, body="We open at nine.", event=Message.Event.AUTO_REPLY
    )
    _close(tenant_a, conversation)
    again = _again(conversation, "Still there?")
    assert again.pk == conversation.pk and Reopening.objects.count() == 1

    html = page_as(Role.AGENT).get(f"/c/{conversation.id}/").content.decode()
    assert 'class="item system" data-id="r-' in html
    assert "Reopened by a new message" in html
    line = re.search(
        r'<li class="item system" data-id="m-[^"]+" [^>]*data-event="auto_reply">', html
    )
    assert line is not None
    reply = html[line.start() :]
    assert "Out-of-hours automatic reply" in reply and "We open at nine." in reply
    # The reopening sits between the automatic reply and the new message.
    thread = html[html.index("We open at nine.") :]
    assert 0 < thread.index("Reopened by") < thread.index("Still there?")


def test_owners_and_admins_set_the_reopen_window(tenant_a, page_as):
    admin = page_as(Role.ADMIN)
    assert admin.get("/settings/conversations/").status_code == 200
    response = admin.post("/settings/conversations/", {"reopen_window_days": "3"})
    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant_a.tenant.pk).reopen_window_days == 3
    assert AuditEvent.objects.filter(action="tenant.reopen_window_changed").count() == 1

    bad = admin.post("/settings/conversations/", {"reopen_window_days": "-1"})
    assert bad.status_code == 400 and "from 0 to 365" in bad.content.decode()
    assert Tenant.objects.get(pk=tenant_a.tenant.pk).reopen_window_days == 3

    agent = page_as(Role.AGENT)
    assert agent.get("/settings/conversations/").status_code == 403
    assert agent.post("/settings/conversations/", {"reopen_window_days": "0"}).status_code == 403
    assert Tenant.objects.get(pk=tenant_a.tenant.pk).reopen_window_days == 3
