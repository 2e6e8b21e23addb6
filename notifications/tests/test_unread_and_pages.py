"""The unread count (tab title and /api/v1/me/unread), preferences (page and
API), mentions on the notices page and highlighted in the thread."""

import pytest

from conversations.models import Conversation
from conversations.services.inbox import conversation_assign, conversation_mark_read, note_add
from conversations.services.messages import message_receive
from notifications import selectors
from notifications.models import Preference
from notifications.tests.conftest import start_conversation
from tenants.models import Role
from tenants.permissions import Capability
from tenants.services.notices import notice_dismiss, notice_post

pytestmark = pytest.mark.django_db


def test_the_count_is_of_open_conversations_mine_or_unassigned_not_read(team, conversation):
    agent, admin = team.members[Role.AGENT], team.members[Role.ADMIN]
    theirs = start_conversation(team, body="For the admin")
    conversation_assign(actor=admin, conversation=theirs, assignee=admin)
    closed = start_conversation(team, body="Closed one")
    Conversation.objects.filter(pk=closed.pk).update(status="closed")
    assert selectors.unread_conversation_count(member=agent) == 1
    assert selectors.unread_conversation_count(member=admin) == 2
    conversation_mark_read(actor=agent, conversation=conversation)
    assert selectors.unread_conversation_count(member=agent) == 0
    message_receive(conversation=conversation, body="Hello again?")
    assert selectors.unread_conversation_count(member=agent) == 1
    assert selectors.unread_conversation_count(member=team.members[Role.PRIVACY]) == 0


def test_the_title_shows_the_count_and_opening_reads(team, conversation, page_as):
    agent = page_as(Role.AGENT)
    assert b"<title>(1) Inbox \xc2\xb7 Instaply</title>" in agent.get("/inbox/").content
    page = agent.get(f"/c/{conversation.pk}/")
    assert b"<title>Conversation \xc2\xb7 Instaply</title>" in page.content
    assert b"<title>Inbox \xc2\xb7 Instaply</title>" in agent.get("/inbox/").content


def test_the_unread_api_counts_and_names_the_conversations_that_concern_me(
    team, tenant_b, conversation
):
    other = start_conversation(team, body="Someone else's")
    conversation_assign(actor=team.owner, conversation=other, assignee=team.owner)
    foreign = start_conversation(tenant_b, body="Another tenant")
    client = team.client(Role.AGENT)
    ids = [conversation.pk, other.pk, foreign.pk]
    answer = client.get("/api/v1/me/unread", {"conversation": [str(i) for i in ids]})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "conversations": 1,
        "more": False,
        "mentions": 0,
        "notices": 0,
        "notify": [str(conversation.pk)],
    }
    assert answer["Cache-Control"] == "private, no-store"
    bad = client.get("/api/v1/me/unread", {"conversation": "nope"})
    assert bad.status_code == 400 and "conversation" in bad.json()["error"]["fields"]
    assert team.client(Role.PRIVACY).get("/api/v1/me/unread").status_code == 403


def test_the_unread_api_counts_what_the_notices_link_shows(team, tenant_b, conversation, page_as):
    """Unread notices addressed to the member's role and unread mentions of them,
    as the navigation's badge counts them; reading either takes it off."""
    agent = team.members[Role.AGENT]
    notice = notice_post(tenant=team.tenant, capability=Capability.CONVERSATIONS_READ, kind="x")
    notice_post(tenant=team.tenant, capability=Capability.STAFF_MANAGE, kind="x")  # not agents'
    notice_post(tenant=tenant_b.tenant, capability=Capability.CONVERSATIONS_READ, kind="x")
    note_add(actor=team.owner, conversation=conversation, body="@Ana Agent and @Vic Viewer")

    def unread(role=Role.AGENT):
        answer = team.client(role).get("/api/v1/me/unread")
        assert answer.status_code == 200, answer.content
        return answer.json()

    assert (unread()["mentions"], unread()["notices"]) == (1, 2)
    assert 'data-unread="2"' in page_as(Role.AGENT).get("/inbox/").content.decode()
    assert unread(Role.OWNER)["notices"] == 2  # both notices are the owner's, no mention
    assert tenant_b.client(Role.AGENT).get("/api/v1/me/unread").json()["notices"] == 1
    [mention] = selectors.mention_list(member=agent)
    page_as(Role.AGENT).post(f"/notices/mentions/{mention.pk}/read")
    assert (unread()["mentions"], unread()["notices"]) == (0, 1)
    notice_dismiss(membership=agent, notice=notice)
    assert unread()["notices"] == 0
    assert unread(Role.VIEWER)["notices"] == 2  # the viewer's mention and notice stay
    page = page_as(Role.AGENT).get("/inbox/").content.decode()
    assert 'data-unread="0"' in page and 'data-unread-label="unread:"' in page


def test_preferences_have_defaults_and_change_through_the_api(team):
    client = team.client(Role.VIEWER)
    assert client.get("/api/v1/me/notification-preferences").json() == {
        "desktop": False,
        "sound": False,
        "email_on_assignment": True,
        "email_on_mention": True,
    }
    changed = client.patch("/api/v1/me/notification-preferences", {"desktop": True}, format="json")
    assert changed.status_code == 200 and changed.json()["desktop"] is True
    bad = client.patch(
        "/api/v1/me/notification-preferences", {"desktop": True, "pager": True}, format="json"
    )
    assert bad.status_code == 400 and "pager" in bad.json()["error"]["fields"]
    assert Preference.objects.for_tenant(team.tenant).get().desktop is True


def test_the_preferences_page_saves_each_box(team, page_as):
    agent = page_as(Role.AGENT)
    page = agent.get("/account/notifications/")
    assert b"data-desktop-toggle" in page.content
    agent.post("/account/notifications/", {"sound": "on", "email_on_mention": "on"})
    preference = selectors.preference_of(member=team.members[Role.AGENT])
    assert (preference.desktop, preference.sound) == (False, True)
    assert (preference.email_on_assignment, preference.email_on_mention) == (False, True)
    assert b"/account/notifications/" in agent.get("/account/").content


def test_a_mention_is_a_notice_and_is_highlighted_without_unescaping(team, conversation, page_as):
    note_add(
        actor=team.owner,
        conversation=conversation,
        body="<b>@Ana Agent</b> and @Pia Privacy, see this",
    )
    agent = page_as(Role.AGENT)
    inbox = agent.get("/inbox/").content.decode()
    assert 'data-unread="1"' in inbox  # the bell counts the mention
    notices = agent.get("/notices/").content.decode()
    assert "Olivia Owner mentioned you in a note" in notices
    thread = agent.get(f"/c/{conversation.pk}/").content.decode()
    agent_id = team.members[Role.AGENT].pk
    assert (
        f'&lt;b&gt;<mark class="mention mention-me" data-mention="{agent_id}">@Ana Agent</mark>'
        "&lt;/b&gt;" in thread
    )
    assert "<mark" not in thread.split("@Ana Agent</mark>")[1].split("see this")[0]
    # Opening the conversation read the mention.
    assert "mentioned you" not in agent.get("/notices/").content.decode()


def test_marking_a_mention_read_from_the_notices_page(team, conversation, page_as):
    note_add(actor=team.owner, conversation=conversation, body="@Ana Agent look")
    agent = team.members[Role.AGENT]
    [mention] = selectors.mention_list(member=agent)
    viewer = page_as(Role.VIEWER)
    assert viewer.post(f"/notices/mentions/{mention.pk}/read").status_code == 404
    page = page_as(Role.AGENT)
    assert page.post(f"/notices/mentions/{mention.pk}/read").status_code == 302
    assert selectors.mention_unread_count(member=agent) == 0
