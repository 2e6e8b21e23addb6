"""Routes kept in process (channels_sms/services/routing.py): every change of a
number or an account is obeyed by every process from the next webhook on.

Two processes are two books: the test's writes clear only the book that is
``routing.book`` at the time, as they would only clear their own process's; the
other learns of them through the routes version in the shared cache."""

import pytest
from django.core.cache import cache
from django.db import connection

from channels_sms.models import WebhookDelivery
from channels_sms.services import routing
from channels_sms.services.routing import ROUTES_VERSION, RouteBook
from channels_sms.tests.conftest import PHONE, TWILIO_NUMBER, TWILIO_SID, twilio_webhook

pytestmark = pytest.mark.django_db

TWILIO_SMS = "/webhooks/twilio/sms/"


def _params(n: int) -> dict:
    sid = f"SM{n:032d}"
    return {
        "AccountSid": TWILIO_SID,
        "MessageSid": sid,
        "SmsSid": sid,
        "From": PHONE,
        "To": TWILIO_NUMBER,
        "Body": f"text {n}",
        "NumMedia": "0",
    }


@pytest.fixture
def two_processes(monkeypatch):
    books = {"serving": RouteBook(), "changing": RouteBook()}

    def be(name: str) -> RouteBook:
        monkeypatch.setattr(routing, "book", books[name])
        return books[name]

    return be


def test_a_route_is_kept_and_a_rotated_secret_obeyed_at_once_elsewhere(
    sms, client, two_processes, django_capture_on_commit_callbacks
):
    serving = two_processes("serving")
    for n in range(3):  # the version, the route, then the route from the book
        assert twilio_webhook(client, TWILIO_SMS, _params(n)).status_code == 200
    assert len(serving) == 1

    two_processes("changing")
    with django_capture_on_commit_callbacks(execute=True):
        sms.twilio.auth_token = "rotated-token"
        sms.twilio.save(update_fields=["auth_token"])

    two_processes("serving")
    # Signed with the old secret, which the serving process's book still holds:
    # the version says the book is stale, the database says the secret changed.
    assert twilio_webhook(client, TWILIO_SMS, _params(10)).status_code == 403
    assert not WebhookDelivery.objects.filter(provider_message_id=_params(10)["MessageSid"])
    response = twilio_webhook(client, TWILIO_SMS, _params(11), token="rotated-token")
    assert response.status_code == 200


def test_a_deactivated_number_is_routed_again_from_the_database_at_once(
    sms, two_processes, django_capture_on_commit_callbacks
):
    params = _params(1)
    key = routing.twilio_route_key(params, own_number_field="To")

    def find():
        return routing.twilio_route(params, own_number_field="To")

    serving = two_processes("serving")
    for _ in range(2):  # learns the version, then keeps the route
        route, found_at, _ = serving.find(key, find)
        serving.confirm(key, route, found_at, cache.get(ROUTES_VERSION))
    route, found_at, from_book = serving.find(key, find)
    assert from_book and route.number.active

    two_processes("changing")
    with django_capture_on_commit_callbacks(execute=True):
        sms.twilio_number.active = False
        sms.twilio_number.save(update_fields=["active"])

    # The route in the serving book no longer stands: it is emptied, and the
    # next webhook's route comes from the database.
    assert not serving.confirm(key, route, found_at, cache.get(ROUTES_VERSION))
    assert len(serving) == 0
    route, _, from_book = serving.find(key, find)
    assert not from_book and not route.number.active


@pytest.mark.skipif(connection.vendor != "postgresql", reason="round trips of PostgreSQL")
def test_a_webhook_with_its_route_kept_is_one_round_trip(sms, client):
    from instaply.db.postgresql.wire import on_the_wire

    for n in range(3):
        twilio_webhook(client, TWILIO_SMS, _params(n))
    with on_the_wire(connection) as wire:
        assert twilio_webhook(client, TWILIO_SMS, _params(5)).status_code == 200
    assert wire.round_trips == 1, wire
    assert "ON CONFLICT DO NOTHING" in wire.statements[-1]


def _keep_a_route(book: RouteBook) -> tuple:
    """Has ``book`` keep the route of a text to the Twilio number: (key, find)."""
    params = _params(1)
    key = routing.twilio_route_key(params, own_number_field="To")

    def find():
        return routing.twilio_route(params, own_number_field="To")

    for _ in range(2):  # learns the version, then keeps the route
        route, found_at, _ = book.find(key, find)
        book.confirm(key, route, found_at, cache.get(ROUTES_VERSION))
    return key, find


def test_a_kept_route_is_dropped_after_its_maximum_age(sms, settings, two_processes):
    """Even when no version bump reached Redis, a route is not kept for ever."""
    serving = two_processes("serving")
    key, find = _keep_a_route(serving)
    assert serving.find(key, find)[2]
    settings.SMS_ROUTE_BOOK_MAX_AGE_SECONDS = 0
    assert not serving.find(key, find)[2]


def test_a_version_lost_with_redis_never_matches_an_old_stamp(sms, two_processes):
    """Redis restarted empty: the new version is a fresh token, so a book stamped
    before cannot take it for its own."""
    serving = two_processes("serving")
    key, find = _keep_a_route(serving)
    route, found_at, from_book = serving.find(key, find)
    assert from_book
    cache.delete(ROUTES_VERSION)
    routing._start_versions()
    assert not serving.confirm(key, route, found_at, cache.get(ROUTES_VERSION))
