"""Cache-backed rate limits: the counter, and the endpoints that use it."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from instaply.ratelimit import Rate, by_post_field, hit, rate_limit
from tenants.models import Invitation, Role

START = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)  # 10 s into a minute window


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(
    ("text", "count", "seconds"),
    [("10/m", 10, 60), ("5/15m", 5, 900), ("30/h", 30, 3600), ("1/d", 1, 86400), (" 3 / s", 3, 1)],
)
def test_rates_are_parsed(text, count, seconds):
    assert Rate.parse(text) == Rate(count, seconds)


@pytest.mark.parametrize("text", ["", "10", "ten/m", "10/w", "10/m/2"])
def test_malformed_rates_are_refused(text):
    with pytest.raises(ValueError, match="looks like"):
        Rate.parse(text)


def test_the_counter_allows_the_rate_then_refuses_until_the_window_ends(clock):
    verdicts = [hit("unit", "k", rate="3/m") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 50
    assert hit("unit", "other key", rate="3/m").allowed  # keys count apart
    clock.shift(49)
    assert not hit("unit", "k", rate="3/m").allowed
    clock.shift(2)
    assert hit("unit", "k", rate="3/m").allowed


def test_keys_reach_the_cache_hashed(clock, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    hit("unit", "someone@example.com", rate="3/m")
    stored = list(getattr(cache, "_cache", {}))
    assert stored and not any("someone" in key for key in stored)


def _plain_view(request):
    return HttpResponse("ok")


def test_the_decorator_answers_429_with_retry_after_for_pages_and_the_api(clock, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "unit": "2/m"}
    view = rate_limit("unit", key=by_post_field("username"))(_plain_view)
    factory = RequestFactory()
    for _ in range(2):
        assert view(factory.post("/login/", {"username": "A@x.example"})).status_code == 200
    page = view(factory.post("/login/", {"username": "a@x.example "}))
    assert page.status_code == 429 and page["Retry-After"] == "50"
    assert b"Too many attempts" in page.content
    api = view(factory.post("/api/v1/thing", {"username": "a@x.example"}))
    assert api.status_code == 429 and api["Retry-After"] == "50"
    assert json.loads(api.content)["error"]["code"] == "rate_limited"
    # GETs and requests without the key are not counted by this limit.
    assert view(factory.get("/login/")).status_code == 200
    assert view(factory.post("/login/", {})).status_code == 200


@pytest.mark.django_db
def test_sign_in_is_limited_per_ip(tenant_a, settings, clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/m"}
    agent = tenant_a.members[Role.AGENT].user
    for n in range(3):
        Client().post("/login/", {"username": f"x{n}@example.com", "password": "x"})
    refused = Client().post("/login/", {"username": agent.email, "password": "x"})
    assert refused.status_code == 429 and refused["Retry-After"] == "50"
    assert Client().get("/login/").status_code == 200  # showing the form is not counted
    other_ip = Client().post(
        "/login/", {"username": agent.email, "password": "x"}, REMOTE_ADDR="198.51.100.9"
    )
    assert other_ip.status_code == 200


@pytest.mark.django_db
def test_the_code_step_is_limited_per_person(tenant_a, settings, clock):
    from web.tests.helpers import authenticator_for, sign_in

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "two_factor": "2/m"}
    owner = tenant_a.owner.user
    authenticator_for(owner)
    browser = Client()
    sign_in(browser, owner)
    for _ in range(2):
        assert browser.post("/login/verify/", {"recovery_code": "nope"}).status_code == 200
    refused = browser.post("/login/verify/", {"recovery_code": "nope"})
    assert refused.status_code == 429 and refused["Retry-After"] == "50"


@pytest.mark.django_db
def test_token_creation_is_limited(tenant_a, settings, clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "token_create": "2/h"}
    api = tenant_a.client(Role.AGENT)
    for n in range(2):
        assert api.post("/api/v1/tokens", {"name": f"t{n}"}, format="json").status_code == 201
    refused = api.post("/api/v1/tokens", {"name": "t3"}, format="json")
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(3600 - 10)
    assert refused.json()["error"]["code"] == "rate_limited"
    assert api.get("/api/v1/tokens").status_code == 200  # listing is not token creation
    # Another person's quota is their own.
    other = tenant_a.client(Role.VIEWER)
    assert other.post("/api/v1/tokens", {"name": "v"}, format="json").status_code == 201


@pytest.mark.django_db
def test_invitation_acceptance_is_limited_on_the_api_and_the_page(tenant_a, settings, clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitation_accept": "2/m"}
    Invitation.objects.create(
        tenant=tenant_a.tenant, email="new@x.example", role=Role.AGENT, expires_at=START
    )
    body = {"tenant": tenant_a.tenant.slug, "token": "inv_guess", "password": "x" * 12}
    api = APIClient()
    for _ in range(2):
        assert api.post("/api/v1/invitations/accept", body, format="json").status_code == 404
    refused = api.post("/api/v1/invitations/accept", body, format="json")
    assert refused.status_code == 429 and refused["Retry-After"] == "50"
    assert refused.json()["error"]["code"] == "rate_limited"

    page = f"/invite/{tenant_a.tenant.slug}/inv_guess/"
    browser = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(2):
        assert browser.post(page, {"password": "x" * 12}).status_code == 200
    refused_page = browser.post(page, {"password": "x" * 12})
    assert refused_page.status_code == 429 and refused_page["Retry-After"] == "50"


def test_a_counter_that_fails_open_allows_while_the_cache_is_down(settings):
    # Nothing listens on the port: Redis is down. Webhooks count with fail_open
    # (a provider mostly does not resend a refused text); everything else raises.
    import socket

    from redis.exceptions import RedisError

    from instaply.ratelimit import hit

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "instaply.cache.ReusingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    assert hit("sms_webhook", "a number", fail_open=True).allowed
    with pytest.raises(RedisError):
        hit("sms_webhook", "a number")
