"""Twilio's SMS webhooks served on the event loop, in front of Django, while
SMS_WEBHOOK_INTAKE is on (the default; docs/scaling.md has its measurement
against the view).

Under the web tier every other request runs in a thread of a2wsgi's pool
(instaply/asgi.py); a webhook there waits on PostgreSQL's durable commit and on
Redis with its thread, handing it back and forth between the pool and the event
loop, and the server's layers cost it more CPU than Django does
(docs/scaling.md). Here a webhook the process has seen the like of is served
by a coroutine: its route from the process's route book, its signature checked
by the provider's own check, its rate counted with the routes version read in
one Redis round trip (redis.asyncio), and its delivery row, the same row the
synchronous path writes, inserted with the row-level security scope at the
head of the same query text on a pooled async psycopg connection, committed
(synchronous commit) before the answer; the rows of webhooks arriving together
share a commit (``intake_batches.py``).

Only that path is served here. Everything else goes on, body and all, to the
rest of the application, which answers as it always has: a route not in the
book (the view finds it in the database and keeps it), a missing or wrong
signature (the view routes again, refuses, audits), an unrouted number or a
platform number, a tenant key not in the process's cache, a rate exceeded, a
changed routes version, a missing message id, a body over the limits or not a
plain form, a query string, a host not ours, a request not over HTTPS, Redis or
PostgreSQL failing (the INSERT deduplicates, so the view may store it again).
A request passed on after its rate was counted is counted again by the view:
only when the routes changed, the rate was exceeded, or a server failed.

The answer carries the headers the middleware before the webhook front puts on
a webhook's answer (security headers, content security policy, no framing):
computed once per process by running that middleware itself, and the request's
own X-Request-ID.
"""

import asyncio
import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.request import split_domain_port, validate_host
from django.urls import reverse
from django.utils.module_loading import import_string

from channels_sms.models import DeliveryKind
from channels_sms.services import deliveries, routing
from channels_sms.webhooks import views
from channels_sms.webhooks.intake_batches import InsertBatches
from instaply.db.postgresql.base import conninfo
from instaply.logs import request_id_var
from instaply.middleware import WebhookFrontMiddleware, request_id_from
from instaply.ratelimit import hit_async
from privacy import keyring

logger = logging.getLogger(__name__)

FORM = b"application/x-www-form-urlencoded"
# Headers read here; a request that repeats one is passed on (Django would join them).
_READ = frozenset(
    {
        b"host",
        b"content-type",
        b"content-length",
        b"x-twilio-signature",
        b"x-request-id",
        b"x-forwarded-proto",
        b"x-forwarded-host",
    }
)
POOL_SIZE = 8  # per worker process: WEB_THREADS' worth of connections, no more


class WebhookIntake:
    """ASGI middleware: Twilio's inbound and status webhooks natively, the rest to ``others``."""

    def __init__(self, others):
        self.others = others
        self.kinds = {
            reverse("sms-webhooks:twilio-sms"): (DeliveryKind.MESSAGE, "To"),
            reverse("sms-webhooks:twilio-status"): (DeliveryKind.STATUS, "From"),
        }
        self.served = 0  # answered here (tests read it: which path answered)
        self._batches: dict = {}  # per event loop: its INSERT batches, on its own pool
        self._front_headers: list | None = None

    async def __call__(self, scope, receive, send):
        kind = self.kinds.get(scope["path"]) if scope["type"] == "http" else None
        if kind is None or scope["method"] != "POST" or not _native_possible():
            return await self.others(scope, receive, send)
        headers = _headers(scope)
        body, whole = await _body(headers, receive) if headers is not None else (None, False)
        answer = None
        if whole:
            try:
                answer = await self._serve(scope, headers, body, *kind)
            except Exception:
                # Passed on: the view answers (and its INSERT deduplicates a stored row).
                logger.warning("webhook intake: passed on after an error", exc_info=True)
        if answer is None:
            replay = receive if body is None else _replay(body, receive)
            return await self.others(scope, replay, send)
        self.served += 1
        await send({"type": "http.response.start", "status": 200, "headers": answer})
        await send({"type": "http.response.body", "body": views.EMPTY_TWIML.encode()})

    async def _serve(self, scope, headers, body, kind, own):
        if scope["query_string"] or not _host_allowed(headers) or not _secure(scope, headers):
            return None
        signature = headers.get(b"x-twilio-signature", b"").decode("latin-1")
        if not signature:
            return None
        params = QueryDict(body, encoding=settings.DEFAULT_CHARSET)
        key = routing.twilio_route_key(params, own_number_field=own)
        kept = routing.book.kept(key)
        if kept is None:
            return None
        route, found_at = kept
        if route.tenant_id is None or route.number is None:
            return None
        if keyring.cached_cipher(route.tenant_id) is None:
            return None  # the payload's key would be read from the database
        url = settings.PUBLIC_BASE_URL + scope["path"]  # what views.public_url gives
        if not views.route_signature_valid(route, url, params, signature):
            return None
        message_id = params.get("MessageSid") or params.get("SmsSid", "")
        if not message_id:
            return None
        request_id = request_id_from(headers.get(b"x-request-id", b"").decode("latin-1"))
        token = request_id_var.set(request_id)  # log lines of this request carry it
        try:
            verdict = await hit_async(
                "sms_webhook", route.rate_key, fail_open=True, read=routing.ROUTES_VERSION
            )
            if not routing.book.confirm(key, route, found_at, verdict.read):
                return None
            if not verdict.allowed:
                return None
            status = params.get("MessageStatus", "") if kind == DeliveryKind.STATUS else ""
            row = deliveries.delivery_row(
                route=route,
                kind=kind,
                provider_message_id=message_id,
                provider_status=status,
                payload=params.dict(),
            )
            await self._insert(route.tenant_id, deliveries.insert_values(row, connection))
            # With the dispatcher the stored row is the job: nothing to publish.
        finally:
            request_id_var.reset(token)
        return [*self._headers(), (b"x-request-id", request_id.encode())]

    async def _insert(self, tenant_id, values: list) -> None:
        """The row stored, with the tenant's row-level security scope set in the
        same query text (one message, one round trip), committed before it
        returns: alone, or with the rows of the webhooks that came with it."""
        await (await self._loop_batches()).insert(tenant_id, values)

    async def _loop_batches(self) -> InsertBatches:
        """The running loop's batches, on a pool of connections of its own."""
        loop = asyncio.get_running_loop()
        batches = self._batches.get(loop)
        if batches is None:
            import psycopg
            from psycopg_pool import AsyncConnectionPool

            pool = AsyncConnectionPool(
                conninfo(connection),
                min_size=1,
                max_size=POOL_SIZE,
                kwargs={"autocommit": True, "cursor_factory": psycopg.AsyncClientCursor},
                open=False,
                timeout=settings.DATABASES["default"]
                .get("OPTIONS", {})
                .get("pool", {})
                .get("timeout", 10),
            )
            batches = self._batches[loop] = InsertBatches(pool)
            await pool.open()
        return batches

    async def close(self) -> None:
        """Closes the running loop's connections (a server in a test stopping)."""
        from instaply.cache import close_async_redis_client

        batches = self._batches.pop(asyncio.get_running_loop(), None)
        if batches is not None:
            await batches.pool.close()
        await close_async_redis_client()

    def _headers(self) -> list:
        if self._front_headers is None:
            self._front_headers = front_headers()
        return self._front_headers


def _native_possible() -> bool:
    return (
        settings.SMS_WEBHOOK_INTAKE
        and settings.SMS_INBOUND_DISPATCH == "dispatcher"
        and connection.vendor == "postgresql"
        and settings.CACHES["default"]["BACKEND"] == "instaply.cache.ReusingRedisCache"
    )


def front_headers() -> list[tuple[bytes, bytes]]:
    """The headers of a webhook's TwiML answer (X-Request-ID aside), as the
    middleware before and including the webhook front set them on an HTTPS
    request: that middleware run once on such a request."""
    names = settings.MIDDLEWARE
    front = f"{WebhookFrontMiddleware.__module__}.{WebhookFrontMiddleware.__name__}"

    def answer(request):
        response = HttpResponse(views.EMPTY_TWIML, content_type="text/xml")
        response.setdefault("X-Frame-Options", "DENY")  # as the front does
        return response

    handler = answer
    for dotted in reversed(names[: names.index(front)]):
        handler = import_string(dotted)(handler)
    request = HttpRequest()
    request.method, request.path = "POST", "/webhooks/"
    request.path_info = request.path
    request.META = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "0", "SERVER_NAME": "localhost"}
    request.META["SERVER_PORT"] = "443"
    request._get_scheme = lambda: "https"
    response = handler(request)
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in response.items()
        if name.lower() != "x-request-id"
    ] + [(b"content-length", str(len(views.EMPTY_TWIML.encode())).encode())]


def _headers(scope) -> dict | None:
    """The request headers read here, or None when one is repeated."""
    found = {}
    for name, value in scope["headers"]:
        if name in _READ:
            if name in found:
                return None
            found[name] = value
    return found


async def _body(headers: dict, receive) -> tuple[bytes | None, bool]:
    """(body, whether it is a plain form of its stated length within the limits).
    Nothing is read (None) when the headers already say it is not: the view
    answers those, and those read that turn out otherwise."""
    if headers.get(b"content-type", b"").lower() != FORM:
        return None, False
    try:
        length = int(headers.get(b"content-length", b""))
    except ValueError:
        return None, False
    limit = min(settings.MAX_REQUEST_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or length)
    if not 0 < length <= limit:
        return None, False
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ConnectionResetError("the client went away")
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    return body, len(body) == length


def _replay(body: bytes, receive):
    """The request's body once more, for the rest of the application; then the
    client's own messages (a disconnect)."""
    sent = False

    async def again():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _host_allowed(headers: dict) -> bool:
    """What ``request.get_host()`` accepts, for the simple case: no X-Forwarded-Host
    trusted, a Host header present."""
    if settings.USE_X_FORWARDED_HOST and b"x-forwarded-host" in headers:
        return False
    host = headers.get(b"host", b"").decode("latin-1")
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def _secure(scope, headers: dict) -> bool:
    """``request.is_secure()``: by the trusted proxy header when configured and sent."""
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        header, value = proxy
        name = header.removeprefix("HTTP_").lower().replace("_", "-").encode()
        if name not in _READ:
            return False  # a header not read here: the view decides
        if name in headers:
            return headers[name].decode("latin-1").split(",", 1)[0].strip() == value
    return scope.get("scheme") == "https"
