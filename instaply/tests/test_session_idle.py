"""A signed-in session left idle longer than SESSION_IDLE_TIMEOUT is signed out."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from audit.models import AuditEvent
from tenants.models import Role
from web.tests.helpers import sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def browser(tenant_a, clock):
    client = Client()
    sign_in(client, tenant_a.members[Role.AGENT].user)
    assert client.get("/").status_code == 200
    return client


def test_activity_keeps_the_session_alive(browser, clock, settings):
    idle = dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
    for _ in range(3):
        clock.shift(idle - dt.timedelta(minutes=1))
        assert browser.get("/").status_code == 200


def test_an_idle_page_request_is_signed_out_and_sent_to_sign_in(browser, clock, settings):
    clock.shift(settings.SESSION_IDLE_TIMEOUT + 1)
    response = browser.get("/account/security/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Faccount%2Fsecurity%2F"
    assert "_auth_user_id" not in browser.session
    assert "inactivity" in browser.get("/login/").content.decode()
    event = AuditEvent.objects.get(action="auth.logout")
    assert event.metadata == {"reason": "idle_timeout"}


def test_an_idle_api_call_with_a_session_answers_401(browser, clock, settings):
    clock.shift(settings.SESSION_IDLE_TIMEOUT + 1)
    response = browser.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"
    assert browser.get("/api/v1/me").status_code in (401, 403)  # still signed out


def test_the_timeout_is_a_setting(browser, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 120
    clock.shift(121)
    assert browser.get("/").status_code == 302


def test_api_tokens_have_no_idle_timeout(tenant_a, clock, settings):
    api = tenant_a.client(Role.AGENT)
    assert api.get("/api/v1/me").status_code == 200
    clock.shift(settings.SESSION_IDLE_TIMEOUT * 10)
    assert api.get("/api/v1/me").status_code == 200
