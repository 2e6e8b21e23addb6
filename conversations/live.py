"""Waiting on a tenant's live feed without a thread per waiting client.

Under an ASGI server on PostgreSQL, each process keeps one hub: one connection
that LISTENs for feed entries (conversations.services.feed NOTIFYs in the
transaction that writes them, so the notification arrives once they commit)
and wakes, through asyncio, only the waiters of the tenant named in the
notification. Woken waiters re-read the database through the feed's own view,
so what they receive is decided exactly as for any other request.

Once a second the hub checks, in one query, that the membership and API token
of every waiter are still active and still allowed to read conversations; a
waiter whose access ended is woken and its request answered with the same
refusal a new request would get. Revocation thus ends an open wait within
about a second, whoever revoked the access and however.

Without PostgreSQL (the embedded default on SQLite) or outside ASGI (runserver,
WSGI test clients), there is no hub: the waiter re-reads every half second,
which a development server can afford.
"""

import asyncio
import contextlib
import contextvars
import logging
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.db import connection

logger = logging.getLogger(__name__)

CHANNEL = "instaply_feed"
# Readers only take entries at least this old (conversations.selectors.feed_event_list):
# waiters are woken once the entry that woke them can be read.
SETTLE_SECONDS = 1.0
WAKE_MARGIN_SECONDS = 0.1
ACCESS_CHECK_SECONDS = 1.0
POLL_SECONDS = 0.5
RECONNECT_SECONDS = 1.0
# Feed answers run in threads on pooled connections: a burst of them (waiters
# woken together, inboxes reconnecting) queues here instead of exhausting the
# pool (DATABASE_POOL_MAX, 20 by default) or the CPU other requests need.
CONCURRENT_READS = 8


def announce(*, tenant_id) -> None:
    """Called inside the transaction that writes a feed entry of the tenant.

    PostgreSQL delivers the notification when that transaction commits, never
    before; elsewhere nothing listens, and waiters poll.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(tenant_id)])


@dataclass(eq=False)
class Waiter:
    """One request waiting on its tenant's feed, and whose access it waits with."""

    tenant_id: str
    membership_id: str
    token_id: str | None
    woken: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, timeout: float) -> bool:
        """True when woken (news, or access to recheck), False on timeout."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.woken.wait(), timeout)
        woken, self.woken = self.woken.is_set(), asyncio.Event()
        return woken


class Hub:
    def __init__(self, conninfo: str):
        self.conninfo = conninfo
        self.waiters: dict[str, set[Waiter]] = defaultdict(set)
        self.reads = asyncio.Semaphore(CONCURRENT_READS)
        self._tasks: list[asyncio.Task] = []

    @contextlib.contextmanager
    def waiting(self, *, tenant_id, membership_id, token_id):
        if not self._tasks:
            # In a context of their own: not the first waiting request's (its
            # thread executor and log ids end with it).
            self._tasks = [
                asyncio.create_task(coroutine, name=name, context=contextvars.Context())
                for name, coroutine in (
                    ("live-feed-listen", self._listen()),
                    ("live-feed-access", self._check_access()),
                )
            ]
        waiter = Waiter(str(tenant_id), str(membership_id), token_id and str(token_id))
        self.waiters[waiter.tenant_id].add(waiter)
        try:
            yield waiter
        finally:
            tenant_waiters = self.waiters[waiter.tenant_id]
            tenant_waiters.discard(waiter)
            if not tenant_waiters:
                del self.waiters[waiter.tenant_id]

    def wake(self, tenant_id: str | None = None) -> None:
        """Wakes one tenant's waiters, or everyone's."""
        groups = self.waiters.values() if tenant_id is None else [self.waiters.get(tenant_id, ())]
        for group in groups:
            for waiter in group:
                waiter.woken.set()

    async def _listen(self) -> None:
        import psycopg

        loop = asyncio.get_running_loop()
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True
                ) as listener:
                    await listener.execute(f"LISTEN {CHANNEL}")
                    # Whatever committed while nobody listened is read now.
                    loop.call_later(SETTLE_SECONDS + WAKE_MARGIN_SECONDS, self.wake)
                    async for note in listener.notifies():
                        # Not before the entry is old enough for readers to take it.
                        loop.call_later(
                            SETTLE_SECONDS + WAKE_MARGIN_SECONDS, self.wake, note.payload
                        )
            except Exception:  # whatever it was, waiters must not stop being woken
                logger.warning("live feed: listening connection lost; reconnecting", exc_info=True)
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _check_access(self) -> None:
        from tenants.selectors import access_still_active

        while True:
            await asyncio.sleep(ACCESS_CHECK_SECONDS)
            waiters = [waiter for group in self.waiters.values() for waiter in group]
            if not waiters:
                continue
            memberships, tokens = defaultdict(set), defaultdict(set)
            for waiter in waiters:
                memberships[waiter.tenant_id].add(waiter.membership_id)
                if waiter.token_id:
                    tokens[waiter.tenant_id].add(waiter.token_id)
            try:
                async with self.reads:
                    active = await sync_to_async(
                        _released(access_still_active), thread_sensitive=False
                    )(memberships=memberships, tokens=tokens)
            except Exception:
                logger.exception("live feed: access check failed; retrying")
                continue
            for waiter in waiters:
                if waiter.membership_id not in active or (
                    waiter.token_id and waiter.token_id not in active
                ):
                    waiter.woken.set()


def _released(function):
    """Runs ``function`` and hands its database connection back to the pool, so a
    waiting request holds no connection between reads."""

    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            release_connection()

    return run


def release_connection() -> None:
    # Inside a transaction (a test's) the connection is not ours to close.
    if not connection.in_atomic_block:
        connection.close()


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def _hub() -> Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(_conninfo())
    return hub


def _conninfo() -> str:
    from instaply.db.postgresql.base import conninfo

    return conninfo(connection)


HOLD = "instaply.feed_hold"


def hold(request, plan) -> bool:
    """Hands an empty answer that may wait to ``FeedHolder``, when the request came
    through it and PostgreSQL can wake it; False when the view must wait itself."""
    slot = getattr(request, "scope", {}).get(HOLD)
    if slot is None or connection.vendor != "postgresql":
        return False
    slot["plan"] = plan
    return True


class FeedHolder:
    """ASGI middleware in front of Django for the feed's route.

    Django's ASGI handler gives every request in flight a thread of its own (for
    its sync middleware and views), so a wait inside a Django view would still
    hold a thread. Here the waiting happens outside Django: each answer is a
    complete pass through Django (middleware, authentication, the feed's view),
    and between passes the request is only a coroutine parked on the hub.
    """

    def __init__(self, app, path: str, *, others=None):
        """``app`` answers the feed; ``others`` (default: ``app``) every other request."""
        self.app, self.path, self.others = app, path, others or app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != self.path:
            return await self.others(scope, receive, send)
        if connection.vendor == "postgresql":
            # Bounded like every pass: a burst of inboxes opening (or reconnecting
            # after a deploy) queues here instead of crowding out other requests.
            async with _hub().reads:
                messages, plan = await self._answer(scope, receive)
        else:
            messages, plan = await self._answer(scope, receive)
        if plan is not None:
            messages = await self._hold(scope, receive, plan) or messages
            if messages is _GONE:
                return
        for message in messages:
            await send(message)

    async def _answer(self, scope, receive):
        slot, messages = {}, []

        async def capture(message):
            messages.append(message)

        await self.app({**scope, HOLD: slot}, receive, capture)
        return messages, slot.get("plan")

    async def _hold(self, scope, receive, plan):
        """The answer after waking with news or a revoked access; None on timeout."""
        hub = _hub()
        deadline = asyncio.get_running_loop().time() + plan.seconds
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            with hub.waiting(
                tenant_id=plan.tenant_id, membership_id=plan.membership_id, token_id=plan.token_id
            ) as waiter:
                while (left := deadline - asyncio.get_running_loop().time()) > 0:
                    woken = asyncio.ensure_future(waiter.wait(left))
                    await asyncio.wait({woken, gone}, return_when=asyncio.FIRST_COMPLETED)
                    if gone.done():
                        woken.cancel()
                        return _GONE
                    if not woken.result():
                        return None
                    async with hub.reads:
                        messages, still_waiting = await self._answer(scope, _body_once())
                    if still_waiting is None:
                        return messages
        finally:
            gone.cancel()
        return None


_GONE = object()


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _body_once():
    """The request's (empty) body for another pass through Django; after it, Django's
    watch for a disconnect waits forever: the holder watches the client itself."""
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Future()

    return receive
