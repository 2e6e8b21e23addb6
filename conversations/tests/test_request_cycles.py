"""A served page request leaves no reference cycle behind: its objects go with
it by reference counting, not at the garbage collector's next pass, which went
through the whole page once a request (instaply/request_cycles.py)."""

import gc
import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test.client import ClientHandler

from conversations.models import Conversation, Message
from conversations.tests.factories import MessageFactory
from tenants.models import Role
from tenants.services.tokens import api_token_create

pytestmark = pytest.mark.django_db


def _served(path: str, token: str) -> None:
    """One request through the test client's handler: the test client itself
    keeps each response in cycles of its own, with its request."""
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    response = ClientHandler()(environ)
    assert response.status_code == 200, response.content


def _left_for_the_collector(path: str, token: str) -> list:
    _served(path, token)  # warm: caches, compiled statements, the token's last use
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        _served(path, token)
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


@pytest.mark.parametrize("page", ["inbox", "thread"])
def test_a_page_request_leaves_nothing_for_the_garbage_collector(tenant_a, conversation_a, page):
    for i in range(5):
        MessageFactory(conversation=conversation_a, body=f"line {i}")
    _, token = api_token_create(membership=tenant_a.members[Role.AGENT], name="cycles")
    path = {
        "inbox": "/api/v1/conversations?limit=25",
        "thread": f"/api/v1/conversations/{conversation_a.id}/messages?limit=50",
    }[page]
    left = _left_for_the_collector(path, token)
    kinds = {type(o).__name__ for o in left if isinstance(o, WSGIRequest | Message | Conversation)}
    assert kinds == set(), sorted(type(o).__name__ for o in left)[:40]
