"""Where an inbox or thread page request spends its CPU, step by step, in-process.

Used by bench/inbox_bench.py. Each step runs alone in a loop and its process
CPU time per run is taken (waits on PostgreSQL are not CPU of this process);
whole requests go through Django's WSGI handler with the settings' middleware,
as the web tier runs them. The table then names each part of a page request,
and what no step names is printed as such.

Run as the application role (row-level security enforced, as in production),
so the statements that set the row-level security scope are counted too.
"""

import contextlib
import io
import sys
import time

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from conversations import selectors
from conversations.api.reads import record_personal_read
from conversations.api.serializers import ConversationOutput, MessageOutput
from conversations.services import integrity
from instaply import rls
from tenants.authentication import BearerTokenAuthentication

# One round trip that sets the scope, as the database backend sends it.
SCOPE_STATEMENT = (
    "SELECT set_config('instaply.tenant_id', %s, false), set_config('role', %s, false)"
)


@contextlib.contextmanager
def as_role(role: str):
    """This process's default connection as ``role`` (no table owned: policies apply)."""
    settings = connection.settings_dict
    owner = settings["USER"]
    _reconnect_as(role)
    try:
        yield
    finally:
        _reconnect_as(owner)


def _reconnect_as(user: str) -> None:
    # The pool holds connections of the previous user: closed with it.
    connection.close()
    if hasattr(connection, "close_pool"):
        connection.close_pool()
    connection.settings_dict["USER"] = user


@contextlib.contextmanager
def counting_scope_statements():
    """Counts the statements that set the row-level security scope: the backend
    sends them at the head of the statement they prepare (one query text), or
    alone on the driver's connection, never through Django's own query log; and a
    request takes a connection from the pool (a new driver object), so the
    driver's classes are watched for the while."""
    import psycopg

    counted = {"scope": 0}
    # The driver connection's own execute() (a switch that goes alone) runs
    # through a ClientCursor too: watching both would count it twice.
    patched = [(psycopg.ClientCursor, psycopg.ClientCursor.execute)]

    def watching(original):
        def execute(self, query, *args, **kwargs):
            if "set_config('instaply.tenant_id'" in str(query):
                counted["scope"] += 1
            return original(self, query, *args, **kwargs)

        return execute

    for cls, original in patched:
        cls.execute = watching(original)
    try:
        yield counted
    finally:
        for cls, original in patched:
            cls.execute = original


class Pages:
    """The requests and steps of one tenant's pages, for one member's token."""

    def __init__(self, *, tenant, membership, token: str, conversation):
        self.tenant, self.membership, self.token = tenant, membership, token
        self.conversation = conversation
        self.handler = WSGIHandler()
        self.paths = {
            "healthz": "/healthz",
            "me": "/api/v1/me",
            "inbox": "/api/v1/conversations?limit=25",
            "thread": f"/api/v1/conversations/{conversation.id}/messages?limit=50",
        }

    def get(self, name: str) -> None:
        path, _, query = self.paths[name].partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
        }
        if name != "healthz":
            environ["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        statuses = []
        body = self.handler(environ, lambda status, headers, exc=None: statuses.append(status))
        b"".join(body)
        body.close()
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"{name} answered {statuses[0]}")

    def queries(self, name: str) -> tuple[int, int]:
        """(statements through Django's cursor, scope statements) of one request."""
        from django.test.utils import CaptureQueriesContext

        self.get(name)  # warm: keys, last-used time
        with counting_scope_statements() as scope, CaptureQueriesContext(connection) as captured:
            self.get(name)
        return len(captured), scope["scope"]

    def _api_request(self, path: str):
        request = RequestFactory().get(path, HTTP_AUTHORIZATION=f"Bearer {self.token}")
        request.request_id = "bench"
        request.user, request.membership = self.membership.user, self.membership
        request.tenant = self.tenant
        return request

    def steps(self) -> dict[str, object]:
        """Step name -> a function running that step once (inside a unit of work)."""
        tenant, member, conversation = self.tenant, self.membership, self.conversation
        authenticate = BearerTokenAuthentication().authenticate
        auth_request = self._api_request(self.paths["me"])
        inbox_request = self._api_request(self.paths["inbox"])
        thread_request = self._api_request(self.paths["thread"])
        render = JSONRenderer().render

        def scope_switch():
            with connection.cursor():
                connection.connection.execute(SCOPE_STATEMENT, (str(tenant.id), "none"))

        def inbox_page():
            return selectors.conversation_list(tenant=tenant, member=member, limit=25)[0]

        def thread_page():
            return selectors.thread_page(tenant=tenant, conversation_id=conversation.id)[0]

        def thread_opened():
            page = thread_page()
            integrity.messages_open(messages=page, request=thread_request)
            return page

        inbox_data = ConversationOutput(inbox_page(), many=True).data
        thread_data = MessageOutput(thread_opened(), many=True).data
        return {
            "request: bare unauthenticated GET /healthz": lambda: self.get("healthz"),
            "request: bare authenticated GET /api/v1/me": lambda: self.get("me"),
            "request: inbox page": lambda: self.get("inbox"),
            "request: thread page": lambda: self.get("thread"),
            "token lookup (one query, the platform door)": lambda: authenticate(
                Request(auth_request)
            ),
            "row-level security scope switch (set_config)": scope_switch,
            "inbox: page query, labels, keys (selector)": inbox_page,
            "inbox: selector + output (decrypts)": lambda: (
                ConversationOutput(inbox_page(), many=True).data
            ),
            "inbox: audit insert": lambda: record_personal_read(
                inbox_request, target=("conversation_list", ""), fields=["bench"], count=25
            ),
            "inbox: JSON rendering": lambda: render({"results": inbox_data}),
            "thread: page query (and keys)": thread_page,
            "thread: queries + open every message": thread_opened,
            "thread: queries + open + output": lambda: (
                MessageOutput(thread_opened(), many=True).data
            ),
            "thread: audit insert": lambda: record_personal_read(
                thread_request, target=("conversation", conversation.pk), fields=["bench"]
            ),
            "thread: JSON rendering": lambda: render({"results": thread_data}),
        }


def cpu_costs(pages: Pages, rounds: int) -> dict[str, float]:
    """Median CPU µs per run of each step: 5 blocks of ``rounds`` runs each, the
    steps taken in turn block by block, so a drift of the load hits them alike."""
    steps = pages.steps()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    with rls.unit_of_work():
        rls.adopt(pages.tenant.id)  # the page steps run as the member's tenant, as in a request
        for step in steps.values():
            step()  # warm
        for _ in range(5):
            for name, step in steps.items():
                began = time.process_time()
                for _ in range(rounds):
                    step()
                samples[name].append((time.process_time() - began) / rounds * 1e6)
    return {name: sorted(values)[len(values) // 2] for name, values in samples.items()}


def print_table(costs: dict[str, float], scopes: dict[str, int]) -> None:
    """Each page request as named parts; what no part names, printed as such."""
    bare, me = (
        costs["request: bare unauthenticated GET /healthz"],
        costs["request: bare authenticated GET /api/v1/me"],
    )
    token = costs["token lookup (one query, the platform door)"]
    scope = costs["row-level security scope switch (set_config)"]
    print("\nCPU per step, in-process, as the application role (µs, median of 5 blocks)")
    for name, value in costs.items():
        print(f"  {name:<52} {value:8,.0f}")
    rest_me = me - bare - token - scopes["me"] * scope
    inbox_select = costs["inbox: page query, labels, keys (selector)"]
    thread_select = costs["thread: page query (and keys)"]
    thread_open = costs["thread: queries + open every message"]
    parts = {
        "inbox": [
            ("middleware, routing, answer (as /healthz)", bare),
            ("token lookup", token),
            (f"scope switches ({scopes['inbox']} x set_config)", scopes["inbox"] * scope),
            ("DRF dispatch, tenant, role (as /me, less the above)", rest_me),
            ("page query, labels, keys", inbox_select),
            ("output, decryption included", costs["inbox: selector + output (decrypts)"]
             - inbox_select),
            ("audit insert", costs["inbox: audit insert"]),
            ("JSON rendering", costs["inbox: JSON rendering"]),
        ],
        "thread": [
            ("middleware, routing, answer (as /healthz)", bare),
            ("token lookup", token),
            (f"scope switches ({scopes['thread']} x set_config)", scopes["thread"] * scope),
            ("DRF dispatch, tenant, role (as /me, less the above)", rest_me),
            ("page query (and keys)", thread_select),
            ("opening every message (integrity)", thread_open - thread_select),
            ("output", costs["thread: queries + open + output"] - thread_open),
            ("audit insert", costs["thread: audit insert"]),
            ("JSON rendering", costs["thread: JSON rendering"]),
        ],
    }  # fmt: skip
    for page, named in parts.items():
        whole = costs[f"request: {page} page"]
        print(f"\n  {page} page request {whole:,.0f} µs of CPU:")
        for label, value in named:
            print(f"    {label:<54} {value:7,.0f}  {value / whole:5.0%}")
        rest = whole - sum(value for _, value in named)
        print(f"    {'not in any named step':<54} {rest:7,.0f}  {rest / whole:5.0%}")
