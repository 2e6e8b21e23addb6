"""The live feed on the ASGI web tier, over real HTTP on loopback, on PostgreSQL.

gunicorn with the uvicorn worker runs in a subprocess against the test
database (one worker process); the tests hold more waits than a threaded
worker has threads, revoke access during a wait, and publish events during
waits, as the web inbox would see them.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
import yaml
from django.db import connection

from audit.models import AuditEvent
from conversations.services.feed import feed_publish
from tenants.models import Role
from tenants.services.members import membership_change_role, membership_revoke
from tenants.services.tokens import api_token_create

ROOT = Path(__file__).resolve().parents[2]
GTHREAD_THREADS = 16  # the previous tier: 2 workers x 8 threads

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the ASGI tier waits on PostgreSQL NOTIFY"
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def web_tier(django_db_setup):
    """The web service's command from docker-compose.yml, on a free loopback port
    with one worker process, against the test database."""
    port = _free_port()
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    database_url = url._replace(path="/" + connection.settings_dict["NAME"]).geturl()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "1",
    }
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]
    program, *args = command["command"]
    assert program == "gunicorn"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--log-level", "warning", *args], cwd=ROOT, env=env
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(port, "/healthz", token=None, timeout=5)[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("the web tier did not start")
        time.sleep(0.3)
    yield port
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _send(port, path, token, cookie=None) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    headers = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    if cookie:  # the web inbox's way: its session, and the background marker
        headers += [f"Cookie: {cookie}", "X-Instaply-Background: 1"]
    sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
    return sock


def _read(sock, timeout) -> tuple[int, dict | None]:
    """The answer (status, JSON body); the server closes the connection after it."""
    sock.settimeout(timeout)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body) if body.startswith(b"{") else None


def _get(port, path, token, timeout=30):
    return _read(_send(port, path, token), timeout)


def _waiting(sock) -> bool:
    """True while the server has not answered (nor closed) the request."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
        return False
    except BlockingIOError:
        return True
    finally:
        sock.setblocking(True)


def _token(world, role=Role.VIEWER):
    return api_token_create(membership=world.members[role], name="live test")[1]


def _cursor(port, token):
    status, body = _get(port, "/api/v1/events", token)
    assert status == 200
    return body["cursor"]


def test_more_waits_than_threads_and_the_api_still_answers(web_tier, tenant_a):
    token = _token(tenant_a)
    cursor = _cursor(web_tier, token)
    waits = [
        _send(web_tier, f"/api/v1/events?after={cursor}&wait=25", token)
        for _ in range(GTHREAD_THREADS + 24)
    ]
    time.sleep(1.0)  # every wait read once and now held
    status, me = _get(web_tier, "/api/v1/me", token, timeout=10)
    assert status == 200 and me
    assert all(_waiting(sock) for sock in waits)  # still held, not answered
    for sock in waits:
        sock.close()


def test_an_event_committed_during_a_wait_is_delivered(web_tier, tenant_a):
    token = _token(tenant_a)
    cursor = _cursor(web_tier, token)
    waits = [_send(web_tier, f"/api/v1/events?after={cursor}&wait=25", token) for _ in range(3)]
    time.sleep(1.0)
    conversation_id = uuid.uuid4()
    feed_publish(
        tenant_id=tenant_a.tenant.id, kind="conversation.updated", conversation_id=conversation_id
    )
    for sock in waits:
        status, body = _read(sock, timeout=20)  # long before the 25 s wait ends
        assert status == 200
        assert [e["conversation_id"] for e in body["results"]] == [str(conversation_id)]
        assert body["cursor"] > cursor


def test_a_notification_for_one_tenant_neither_wakes_nor_reaches_another(
    web_tier, tenant_a, tenant_b
):
    token_a, token_b = _token(tenant_a), _token(tenant_b)
    cursor_a, cursor_b = _cursor(web_tier, token_a), _cursor(web_tier, token_b)
    wait_a = _send(web_tier, f"/api/v1/events?after={cursor_a}&wait=25", token_a)
    wait_b = _send(web_tier, f"/api/v1/events?after={cursor_b}&wait=25", token_b)
    time.sleep(1.0)
    feed_publish(
        tenant_id=tenant_a.tenant.id, kind="conversation.updated", conversation_id=uuid.uuid4()
    )
    status, body = _read(wait_a, timeout=20)
    assert status == 200 and len(body["results"]) == 1
    time.sleep(1.0)  # B would have been woken with A, had it been
    assert _waiting(wait_b)
    wait_b.close()
    status, body = _get(web_tier, f"/api/v1/events?after={cursor_b}&wait=0", token_b)
    assert body == {"results": [], "cursor": cursor_b}


def test_a_revoked_members_open_wait_ends(web_tier, tenant_a):
    token = _token(tenant_a, Role.AGENT)
    cursor = _cursor(web_tier, token)
    wait = _send(web_tier, f"/api/v1/events?after={cursor}&wait=25", token)
    time.sleep(1.0)
    assert _waiting(wait)
    membership_revoke(actor=tenant_a.owner, membership=tenant_a.members[Role.AGENT])
    status, body = _read(wait, timeout=15)  # the wait itself would run 25 s
    assert status == 401 and body["error"]["code"]


def test_a_wait_ends_when_the_role_loses_the_feed(web_tier, tenant_a):
    token = _token(tenant_a, Role.AGENT)
    cursor = _cursor(web_tier, token)
    wait = _send(web_tier, f"/api/v1/events?after={cursor}&wait=25", token)
    time.sleep(1.0)
    assert _waiting(wait)
    membership_change_role(
        actor=tenant_a.owner, membership=tenant_a.members[Role.AGENT], role=Role.PRIVACY
    )
    status, body = _read(wait, timeout=15)
    assert status == 403 and body["error"]["code"] == "permission_denied"
    # Refused and recorded as any API refusal is.
    denial = AuditEvent.objects.get(
        action="access.denied", actor_member_id=tenant_a.members[Role.AGENT].id
    )
    assert denial.metadata["route"] == "api/v1/events" and denial.metadata["status"] == 403


def test_the_feeds_answers_are_json_and_private(web_tier, tenant_a):
    token = _token(tenant_a)
    status, body = _get(web_tier, "/api/v1/events?after=abc", token, timeout=10)
    assert status == 400 and body["error"]["code"] == "invalid"
    sock = _send(web_tier, "/api/v1/events?after=0&wait=0", token)
    sock.settimeout(10)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    assert b"cache-control: private, no-store" in data.lower()


def test_the_inboxs_session_wait_gets_news_then_ends_on_revocation(web_tier, tenant_a):
    from django.conf import settings
    from django.test import Client

    member = tenant_a.members[Role.VIEWER]
    browser = Client()
    browser.force_login(member.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    status, body = _read(_send(web_tier, "/api/v1/events", None, cookie), timeout=10)
    assert status == 200
    cursor = body["cursor"]
    wait = _send(web_tier, f"/api/v1/events?after={cursor}&wait=25", None, cookie)
    time.sleep(1.0)
    feed_publish(
        tenant_id=tenant_a.tenant.id, kind="conversation.updated", conversation_id=uuid.uuid4()
    )
    status, body = _read(wait, timeout=20)
    assert status == 200 and len(body["results"]) == 1
    wait = _send(web_tier, f"/api/v1/events?after={body['cursor']}&wait=25", None, cookie)
    time.sleep(1.0)
    assert _waiting(wait)
    membership_revoke(actor=tenant_a.owner, membership=member)
    status, body = _read(wait, timeout=15)  # the wait itself would run 25 s
    assert status == 404 and body["error"]["code"] == "not_found"
