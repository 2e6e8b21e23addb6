"""Which of our numbers (and so which tenant and secret) a webhook is for.

Only our records decide: the Messaging Service or number and the account the
request names must be ours, and the signature made with that account's secret
is what makes the request trusted. A number of a tenant's own account that we
do not know is kept under that tenant; one of the platform's account that no
tenant holds is kept encrypted for operators; anything else cannot be checked.
"""

import logging
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

from channels_sms import selectors
from channels_sms.models import TWILIO_PROTOCOL, Provider
from channels_sms.providers import credentials_of, platform_credentials
from channels_sms.providers.vonage import e164
from channels_sms.services.deliveries import Route

logger = logging.getLogger(__name__)


def _routed(number) -> Route | None:
    credentials = credentials_of(number.account)
    if credentials is None:
        return None
    return Route(number.provider, credentials, number.tenant_id, number)


def _unknown_number(providers, account_ref: str) -> Route | None:
    account = selectors.route_account(providers=providers, account_ref=account_ref)
    if account is not None:
        credentials = credentials_of(account)
        return Route(account.provider, credentials, account.tenant_id) if credentials else None
    platform = platform_credentials(providers[0])
    if platform is not None and platform.account_ref == account_ref:
        return Route(providers[0], platform)
    return None


def twilio_route(params, *, own_number_field: str) -> Route | None:
    """``own_number_field``: "To" for inbound texts, "From" for status callbacks."""
    account_sid = params.get("AccountSid", "")
    number = selectors.route_twilio(
        account_sid=account_sid,
        messaging_service_sid=params.get("MessagingServiceSid", ""),
        number=params.get(own_number_field, ""),
    )
    if number is not None:
        return _routed(number)
    return _unknown_number(TWILIO_PROTOCOL, account_sid)


def twilio_route_key(params, *, own_number_field: str) -> tuple:
    """What ``twilio_route`` depends on: its key in the book."""
    return (
        "twilio",
        params.get("AccountSid", ""),
        params.get("MessagingServiceSid", ""),
        params.get(own_number_field, ""),
    )


def vonage_route(params, *, own_number_field: str) -> Route | None:
    """``own_number_field``: "to" for inbound texts and delivery receipts alike."""
    number = selectors.route_vonage(number=e164(str(params.get(own_number_field, ""))))
    if number is not None:
        return _routed(number)
    return _unknown_number((Provider.VONAGE,), str(params.get("api-key", "")))


def vonage_route_key(params, *, own_number_field: str) -> tuple:
    return ("vonage", str(params.get(own_number_field, "")), str(params.get("api-key", "")))


# Routes kept in process ---------------------------------------------------------
#
# Routing a webhook reads our numbers and accounts (a query, and the account's
# secret decrypted): the same answer for every text to a number, until a number
# or an account changes. Each process keeps the routes it found, stamped with
# the routes version in Redis at the time. Every change of a number or an
# account bumps that version after commit (``routes_changed``), and every
# webhook reads it in the same Redis round trip as its rate-limit count: a
# route found in the book under another version is routed again from the
# database before anything is stored, so a deactivated number or a rotated
# secret is obeyed by every process from the next text on.
#
# A version is a random token, not a counter: Redis restarted empty must not
# hand out a value some process's book was stamped with before. And a bump that
# failed (Redis down at that moment) must not leave books stale for ever, so a
# kept route is also dropped after SMS_ROUTE_BOOK_MAX_AGE_SECONDS.

ROUTES_VERSION = "sms:routes:version"


class RouteBook:
    """One process's routes, by what routed them, under the version they were found at."""

    def __init__(self):
        self._lock = threading.Lock()
        self._routes: dict[tuple, tuple[Route, float]] = {}  # key: (route, kept at)
        self._version = None  # the last version read from Redis; None: unknown

    def find(self, key: tuple, route_from_database) -> tuple[Route | None, object, bool]:
        """(route, version it stands for, whether it came from the book)."""
        kept = self.kept(key)
        if kept is not None:
            return kept[0], kept[1], True
        with self._lock:
            version = self._version
        if version is None:
            _start_versions()
        # The version known before the database is read: a change after this read
        # bumps it, and the route is then not kept.
        return route_from_database(), version, False

    def kept(self, key: tuple) -> tuple[Route, object] | None:
        """(route, version it stands for) when the book holds a fresh one, without
        reading the database (the native intake, channels_sms/webhooks/intake.py)."""
        with self._lock:
            version = self._version
            kept = self._routes.get(key) if version is not None else None
        if (
            kept is not None
            and time.monotonic() - kept[1] < settings.SMS_ROUTE_BOOK_MAX_AGE_SECONDS
        ):
            return kept[0], version
        return None

    def confirm(self, key: tuple, route: Route | None, found_at, current) -> bool:
        """Whether a route found at version ``found_at`` still stands at ``current``
        (kept in the book if so); on a change the book is emptied."""
        with self._lock:
            if current is None or current != found_at:
                self._routes.clear()
                self._version = current
                return False
            if route is not None:
                self._routes[key] = (route, time.monotonic())
            return True

    def __len__(self) -> int:
        return len(self._routes)

    def clear(self) -> None:
        with self._lock:
            self._routes.clear()
            self._version = None


book = RouteBook()


def routes_changed(**kwargs) -> None:
    """A number or an account changed: every process's book is stale once this
    commits. Connected to their saves and deletes (channels_sms/apps.py), so no
    way of changing them (services, admin, cascades) can forget it."""
    transaction.on_commit(_bump, robust=True)
    book.clear()  # this process at once, without waiting for Redis


def _start_versions() -> None:
    """A version to stamp routes with, from this process's first webhook on (or
    after Redis lost it): without one, nothing is kept."""
    try:
        cache.add(ROUTES_VERSION, uuid.uuid4().hex, timeout=None)
    except RedisError:
        logger.warning("No SMS routes version: routes are not kept while Redis is down")


def _bump() -> None:
    try:
        cache.set(ROUTES_VERSION, uuid.uuid4().hex, timeout=None)
    except RedisError:
        # Other processes keep their books until the next change: say so loudly.
        logger.exception("The SMS routes version was not bumped: other processes may route stale")
