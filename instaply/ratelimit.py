"""Rate limits for public and credential endpoints: one counter, two front doors.

Each limit is a named *scope* whose rate comes from ``settings.RATE_LIMITS``
(``"10/m"``, ``"30/h"``, ``"5/15m"``: count per period of s, m, h or d). A
fixed-window counter per scope and key lives in Django's cache: Redis in
production, so every web process counts together; local memory otherwise.

Plain Django views::

    @rate_limit("login", key=by_ip)                      # POSTs only, by default
    def view(request): ...

DRF views::

    class InvitationAcceptThrottle(RateLimitThrottle):
        scope = "invitation_accept"                      # key: the client IP

    class SomeApi(APIView):
        throttle_classes = [InvitationAcceptThrottle]

Both answer 429 with ``Retry-After`` (the API in the project's JSON error
shape). Keys are hashed before they reach the cache, so an email used as a key
is never stored in clear.
"""

import functools
import logging
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

from instaply.cache import ReusingRedisCache, async_redis_client
from instaply.client_ip import client_ip
from instaply.errors import RateLimited

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

KeyFunction = Callable[..., str | None]


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        match = _RATE.match(text or "")
        if not match:
            raise ValueError(f"A rate looks like '10/m' or '5/15m'; got {text!r}")
        count, periods, unit = match.groups()
        return cls(count=int(count), seconds=int(periods or 1) * _UNIT_SECONDS[unit])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # whole seconds until the window resets
    read: object = None  # the value of ``hit(read=...)``'s cache key; None: absent or unknown


def rate_for(scope: str) -> Rate:
    try:
        return Rate.parse(settings.RATE_LIMITS[scope])
    except KeyError:
        raise KeyError(f"No rate for {scope!r} in settings.RATE_LIMITS") from None


def hit(
    scope: str, key: str, *, rate: str | None = None, fail_open: bool = False, read: str = ""
) -> Verdict:
    """Counts one request of ``key`` in ``scope`` and says whether it is within the rate.

    ``read``: a cache key whose value comes back in the verdict, read in the same
    round trip as the count (the webhook's routes version: channels_sms/services/routing.py).

    ``fail_open``: with the cache unreachable, the request is allowed (and a
    warning logged) rather than the error raised. For provider webhooks: a
    provider that gets a 5xx for an inbound text mostly does not send it again,
    so refusing every text while Redis is down would lose them; their counter
    protects capacity, not a secret (the signature is checked first)."""
    window = _Window(scope, key, rate)
    try:
        count, value = _count(window.cache_key, window.limit.seconds + 1, read)
    except RedisError as error:
        return window.cache_down(error, fail_open)
    return window.verdict(count, value)


async def hit_async(scope: str, key: str, *, fail_open: bool = False, read: str = "") -> Verdict:
    """``hit`` for code on the event loop (the native webhook intake,
    channels_sms/webhooks/intake.py): the same counter, key, window and verdict,
    counted through redis.asyncio in one round trip. Redis caches only."""
    window = _Window(scope, key, rate=None)
    backend = _redis_backend()
    counter = backend.make_and_validate_key(window.cache_key)
    try:
        async with async_redis_client().pipeline(transaction=False) as pipe:
            pipe.incr(counter)
            pipe.expire(counter, window.limit.seconds + 1, nx=True)
            if read:
                pipe.get(backend.make_and_validate_key(read))
            replies = await pipe.execute()
    except RedisError as error:
        return window.cache_down(error, fail_open)
    value = replies[2] if read else None
    return window.verdict(
        replies[0], None if value is None else backend._cache._serializer.loads(value)
    )


class _Window:
    """The counter of one request: its key, its rate and window, and the verdict
    its count gives (shared by ``hit`` and ``hit_async``)."""

    __slots__ = ("scope", "limit", "now", "window", "cache_key")

    def __init__(self, scope: str, key: str, rate: str | None):
        self.scope = scope
        self.limit = Rate.parse(rate) if rate else rate_for(scope)
        self.now = time.time()
        self.window = int(self.now // self.limit.seconds)
        prefix = settings.RATE_LIMIT_KEY_PREFIX
        self.cache_key = f"{prefix}:{scope}:{_digest(key)}:{self.window}"

    def verdict(self, count: int, value) -> Verdict:
        limit = self.limit
        retry_after = max(1, math.ceil((self.window + 1) * limit.seconds - self.now))
        verdict = Verdict(count <= limit.count, count, limit.count, retry_after, value)
        if not verdict.allowed and count == limit.count + 1:
            logger.warning("Rate limit %s reached (%s/%ss)", self.scope, limit.count, limit.seconds)
        return verdict

    def cache_down(self, error: RedisError, fail_open: bool) -> Verdict:
        if not fail_open:
            raise error
        name = type(error).__name__
        logger.warning("Rate limit %s not counted, cache down: %s", self.scope, name)
        return Verdict(True, 0, self.limit.count, 1)


@functools.cache
def _redis_backend() -> ReusingRedisCache:
    """The default cache's backend, kept for its key function and serializer:
    ``caches`` gives each request context a backend of its own."""
    backend = caches.create_connection("default")
    if not isinstance(backend, ReusingRedisCache):
        raise TypeError("hit_async counts on Redis only (settings.CACHES)")
    return backend


def _count(cache_key: str, timeout: int, read: str) -> tuple[int, object]:
    """Adds one to the window's counter; returns it, and the value of ``read``."""
    backend = caches["default"]
    if isinstance(backend, ReusingRedisCache):
        # One round trip on Redis: INCR, set the expiry only on a new key, GET.
        key = backend.make_and_validate_key(cache_key)
        pipe = backend._cache.get_client(write=True).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, timeout, nx=True)
        if read:
            pipe.get(backend.make_and_validate_key(read))
        replies = pipe.execute()
        value = replies[2] if read else None
        return replies[0], None if value is None else backend._cache._serializer.loads(value)
    value = cache.get(read) if read else None
    # Elsewhere (local memory): add() then incr(), with the race handled.
    if cache.add(cache_key, 1, timeout=timeout):
        return 1, value
    try:
        return cache.incr(cache_key), value
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=timeout)
        return 1, value


def _digest(key: str) -> str:
    # Keyed, so a cache dump does not let anyone test guesses of emails or IPs.
    return salted_hmac("instaply.ratelimit", key, algorithm="sha256").hexdigest()[:40]


# Key functions: what is counted. None means "do not count this request here".


def by_ip(request) -> str:
    # Requests without a usable address share one bucket rather than escape counting.
    return client_ip(request) or "unknown"


def by_user_or_ip(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{by_ip(request)}"


def by_post_field(name: str) -> KeyFunction:
    """The value of a form field, trimmed and case-folded (e.g. the email typed at login)."""

    def key(request) -> str | None:
        value = request.POST.get(name, "").strip().casefold()
        return f"{name}:{value}" if value else None

    return key


def too_many_requests(request, retry_after: int):
    """The 429 answer of a plain view: JSON under /api/, the site's error page elsewhere."""
    message = f"Too many requests. Try again in {retry_after} seconds."
    if request.path.startswith(("/api/", "/webhooks/")):  # as instaply.api.errors does
        from instaply.api.errors import error_response

        response = error_response(429, "rate_limited", message)
    else:
        from web.errors import page_too_many_requests

        response = page_too_many_requests(request, retry_after)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limit(
    scope: str,
    *,
    key: KeyFunction = by_ip,
    rate: str | None = None,
    methods: Iterable[str] = ("POST",),
):
    """Limits a plain Django view; stack it to count by several keys (IP, account).

    For a class-based view: ``method_decorator(rate_limit(...), name="dispatch")``.
    """
    counted = frozenset(m.upper() for m in methods)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in counted:
                ident = key(request)
                if ident:
                    verdict = hit(scope, ident, rate=rate)
                    if not verdict.allowed:
                        return too_many_requests(request, verdict.retry_after)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class RateLimitThrottle(BaseThrottle):
    """DRF front door of the same counter. Subclasses set ``scope``; they may set
    ``methods`` (default: every method) and ``key`` (default: the person, else the IP)::

        class TokenCreateThrottle(RateLimitThrottle):
            scope = "token_create"
            methods = frozenset({"POST"})
            key = staticmethod(by_user_or_ip)
    """

    scope: str = ""
    methods: frozenset[str] | None = None
    key = staticmethod(by_user_or_ip)

    def allow_request(self, request, view) -> bool:
        if self.methods is not None and request.method not in self.methods:
            return True
        ident = self.key(request)
        if not ident:
            return True
        verdict = hit(self.scope, ident)
        if not verdict.allowed:
            # Raised rather than returned so the answer carries our exact Retry-After.
            raise RateLimited(
                f"Too many requests. Try again in {verdict.retry_after} seconds.",
                retry_after=verdict.retry_after,
            )
        return True
