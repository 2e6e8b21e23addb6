"""The live feed where nothing notifies (runserver, the embedded default on SQLite,
any WSGI server): the view re-reads on its own, and still ends a revoked wait."""

import threading
import uuid

import pytest
import requests

from conversations.services.feed import feed_publish
from tenants.models import Role
from tenants.services.members import membership_revoke
from tenants.services.tokens import api_token_create

pytestmark = pytest.mark.django_db(transaction=True)


def _wait(url, token, results):
    response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    results.append((response.status_code, response.json(), response.headers))


def _start_wait(live_server, token):
    cursor = requests.get(
        f"{live_server.url}/api/v1/events", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()["cursor"]
    results = []
    thread = threading.Thread(
        target=_wait,
        args=(f"{live_server.url}/api/v1/events?after={cursor}&wait=25", token, results),
    )
    thread.start()
    return cursor, thread, results


def test_an_event_committed_during_a_wait_is_delivered(live_server, tenant_a):
    _, token = api_token_create(membership=tenant_a.members[Role.VIEWER], name="poll")
    cursor, thread, results = _start_wait(live_server, token)
    conversation_id = uuid.uuid4()
    feed_publish(
        tenant_id=tenant_a.tenant.id, kind="conversation.updated", conversation_id=conversation_id
    )
    thread.join(timeout=20)  # the wait itself would run 25 s
    assert not thread.is_alive()
    status, body, headers = results[0]
    assert status == 200 and body["cursor"] > cursor
    assert [e["conversation_id"] for e in body["results"]] == [str(conversation_id)]
    assert headers["Cache-Control"] == "private, no-store"


def test_a_revoked_members_wait_ends(live_server, tenant_a):
    member = tenant_a.members[Role.AGENT]
    _, token = api_token_create(membership=member, name="poll")
    _, thread, results = _start_wait(live_server, token)
    membership_revoke(actor=tenant_a.owner, membership=member)
    thread.join(timeout=15)  # the wait itself would run 25 s
    assert not thread.is_alive()
    status, body, _ = results[0]
    assert status == 401 and body["error"]["code"]
