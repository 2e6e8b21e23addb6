"""Between a widget visitor and the shop: the agent's first name on replies, typing
both ways (ephemeral, rate-limited) and seen both ways (stored read markers)."""

import pytest

from conversations.models import Conversation, Message, WidgetVisitor
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop-a.example"


def _api(client, widget, path, method="post", token=None, **data):
    headers = {"HTTP_ORIGIN": ORIGIN}
    if token:
        headers["HTTP_X_VISITOR_TOKEN"] = token
    url = f"/api/widget/v1/{widget.public_key}/{path}"
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, data, content_type="application/json", **headers)


@pytest.fixture
def chat(client, tenant_a, widget_a):
    """A visitor who wrote once; the agent is Camille Martin, camille@... by email."""
    token = _api(client, widget_a, "sessions", age="adult", name="Léa").json()["visitor_token"]
    _api(client, widget_a, "messages", token=token, body="Is the cake ready?")
    agent = tenant_a.members[Role.AGENT]
    agent.user.full_name, agent.user.email = "Camille Martin", "camille.martin@staff.example"
    agent.user.save()
    conversation = Conversation.objects.get(tenant=tenant_a.tenant)
    return token, conversation, agent


def _reply(tenant_a, conversation, body, role=Role.AGENT):
    response = tenant_a.client(role).post(
        f"/api/v1/conversations/{conversation.id}/messages", {"body": body}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _thread(client, widget, token):
    response = _api(client, widget, "messages", method="get", token=token)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_reply_shows_the_agents_first_name_only(client, tenant_a, widget_a, chat):
    token, conversation, agent = chat
    _reply(tenant_a, conversation, "Yes, since noon.")
    owner = tenant_a.owner.user
    owner.full_name = ""
    owner.save()
    _reply(tenant_a, conversation, "See you soon.", role=Role.OWNER)
    thread = _thread(client, widget_a, token)
    assert [(m["direction"], m["author"]) for m in thread["results"]] == [
        ("inbound", ""),
        ("outbound", "Camille"),
        ("outbound", ""),  # no name given: nothing, never the email
    ]
    raw = str(thread)
    assert "Martin" not in raw and "staff.example" not in raw


def test_the_visitor_typing_shows_in_the_inbox_and_ends_with_their_message(
    client, tenant_a, widget_a, chat
):
    token, conversation, _agent = chat
    page = verified_client(tenant_a.members[Role.VIEWER].user)
    url = f"/c/{conversation.id}/widget-live"
    assert page.get(url).json()["visitor_typing"] is False
    assert _api(client, widget_a, "typing", token=token).status_code == 204
    assert page.get(url).json()["visitor_typing"] is True
    _api(client, widget_a, "messages", token=token, body="Also, a baguette.")
    assert page.get(url).json()["visitor_typing"] is False


def test_the_agent_typing_shows_in_the_chat_until_the_reply(client, tenant_a, widget_a, chat):
    token, conversation, agent = chat
    assert _thread(client, widget_a, token)["typing"] is None
    page = verified_client(agent.user)
    assert page.post(f"/c/{conversation.id}/widget-live").status_code == 202
    assert _thread(client, widget_a, token)["typing"] == {"name": "Camille"}
    _reply(tenant_a, conversation, "Yes, since noon.")
    assert _thread(client, widget_a, token)["typing"] is None
    # A viewer cannot type: the signal is refused, not stored.
    viewer = verified_client(tenant_a.members[Role.VIEWER].user)
    assert viewer.post(f"/c/{conversation.id}/widget-live").status_code in (302, 403)
    assert _thread(client, widget_a, token)["typing"] is None


def test_typing_signals_are_rate_limited(client, tenant_a, widget_a, chat, settings):
    token, conversation, agent = chat
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"widget_typing": "3/m", "inbox_typing": "2/m"}
    answers = [_api(client, widget_a, "typing", token=token).status_code for _ in range(4)]
    assert answers == [204, 204, 204, 429]
    # The typing limit is its own: the visitor's messages still go through.
    assert _thread(client, widget_a, token)["results"]
    page = verified_client(agent.user)
    codes = [page.post(f"/c/{conversation.id}/widget-live").status_code for _ in range(3)]
    assert codes == [202, 202, 429]


def test_the_visitor_sees_when_the_shop_opened_their_message(client, tenant_a, widget_a, chat):
    token, conversation, agent = chat
    assert _thread(client, widget_a, token)["seen_at"] is None
    written = Message.objects.get(direction="inbound").created_at
    assert verified_client(agent.user).get(f"/c/{conversation.id}/").status_code == 200
    seen_at = _thread(client, widget_a, token)["seen_at"]
    assert seen_at is not None and seen_at >= written.isoformat().replace("+00:00", "Z")


def test_the_agent_sees_which_reply_the_visitor_saw(client, tenant_a, widget_a, chat):
    token, conversation, agent = chat
    first = _reply(tenant_a, conversation, "Yes, since noon.")
    second = _reply(tenant_a, conversation, "Shall we keep it for you?")
    page = verified_client(agent.user)
    url = f"/c/{conversation.id}/widget-live"
    assert page.get(url).json()["visitor_read_up_to"] is None
    assert _api(client, widget_a, "seen", token=token, message_id=second).status_code == 200
    assert page.get(url).json()["visitor_read_up_to"] == f"m-{second}"
    # The marker never goes back.
    _api(client, widget_a, "seen", token=token, message_id=first)
    assert str(WidgetVisitor.objects.get().read_up_to) == second


def test_a_visitor_cannot_mark_what_is_not_a_reply_of_their_chat(client, tenant_a, widget_a, chat):
    token, _conversation, _agent = chat
    own = str(Message.objects.get(direction="inbound").id)
    other = _api(client, widget_a, "sessions", age="adult").json()["visitor_token"]
    for message_id in (own, "0190a0a0-0000-7000-8000-000000000000"):
        refused = _api(client, widget_a, "seen", token=other, message_id=message_id)
        assert refused.status_code == 400
        assert "message_id" in refused.json()["error"]["fields"]
    assert _api(client, widget_a, "seen", token=token, message_id="nope").status_code == 400
    assert not WidgetVisitor.objects.filter(read_up_to__isnull=False).exists()


def test_another_tenants_member_gets_a_404(tenant_a, tenant_b, chat):
    _token, conversation, _agent = chat
    outsider = verified_client(tenant_b.members[Role.OWNER].user)
    assert outsider.get(f"/c/{conversation.id}/widget-live").status_code == 404
    assert outsider.post(f"/c/{conversation.id}/widget-live").status_code == 404
