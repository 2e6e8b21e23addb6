"""Over real HTTP: a website visitor writes through the widget, an agent answers
from the inbox API, and the visitor's next poll brings the answer."""

import pytest
import requests

from conversations.models import Widget
from tenants.models import Role

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "https://bakery-website.example"


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False  # loopback only, never through a machine-wide proxy
    yield session
    session.close()


def test_widget_visitor_and_agent_talk_over_http(live_server, tenant_a, http, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    widget = Widget.objects.create(
        tenant=tenant_a.tenant, shop=tenant_a.shop, allowed_origins=[ORIGIN]
    )
    widget_api = f"{live_server.url}/api/widget/v1/{widget.public_key}"
    visitor = {"Origin": ORIGIN}

    script = http.get(f"{live_server.url}/widget/{widget.public_key}.js", timeout=10)
    assert script.status_code == 200 and widget.public_key in script.text

    started = http.post(
        f"{widget_api}/sessions", json={"age": "adult", "name": "Marc"}, headers=visitor, timeout=10
    )
    assert started.status_code == 201, started.text
    visitor["X-Visitor-Token"] = started.json()["visitor_token"]
    sent = http.post(
        f"{widget_api}/messages", json={"body": "Any croissants left?"}, headers=visitor, timeout=10
    )
    assert sent.status_code == 201 and sent.headers["Access-Control-Allow-Origin"] == ORIGIN

    agent = {"Authorization": f"Bearer {_token(tenant_a, Role.AGENT)}"}
    inbox = http.get(f"{live_server.url}/api/v1/conversations", headers=agent, timeout=10).json()
    assert [c["contact"]["display_name"] for c in inbox["results"]] == ["Marc"]
    conversation = inbox["results"][0]["id"]
    thread = http.get(
        f"{live_server.url}/api/v1/conversations/{conversation}/messages", headers=agent, timeout=10
    )
    assert [m["body"] for m in thread.json()["results"]] == ["Any croissants left?"]
    reply = http.post(
        f"{live_server.url}/api/v1/conversations/{conversation}/messages",
        json={"body": "Three, kept aside for you."},
        headers=agent,
        timeout=10,
    )
    assert reply.status_code == 201, reply.text

    polled = http.get(f"{widget_api}/messages", headers=visitor, timeout=10).json()["results"]
    assert [(m["direction"], m["body"]) for m in polled] == [
        ("inbound", "Any croissants left?"),
        ("outbound", "Three, kept aside for you."),
    ]
    status = http.get(
        f"{live_server.url}/api/v1/conversations/{conversation}/messages", headers=agent, timeout=10
    )
    assert status.json()["results"][0]["status"] == "delivered"


def _token(world, role):
    from tenants.services.tokens import api_token_create

    _, raw = api_token_create(membership=world.members[role], name="e2e")
    return raw
