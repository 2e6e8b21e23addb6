"""Console sessions end after PLATFORM_SESSION_IDLE_TIMEOUT, shorter than a tenant's."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from audit.models import AuditEvent
from platform_staff.tests.console_helpers import console_sign_in, make_platform_person
from tenants.models import Role
from web.tests.helpers import authenticator_for, current_code, sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def console(db, clock):
    staff = make_platform_person(("dpo",))
    device = authenticator_for(staff.user)
    client = Client()
    console_sign_in(client, staff.user.email)
    client.post("/platform/login/verify/", {"code": current_code(device)})
    assert client.get("/platform/").status_code == 200
    return client


def test_the_console_timeout_is_shorter_than_the_tenants(settings):
    assert settings.PLATFORM_SESSION_IDLE_TIMEOUT == 15 * 60
    assert settings.PLATFORM_SESSION_IDLE_TIMEOUT < settings.SESSION_IDLE_TIMEOUT


def test_an_idle_console_page_goes_back_to_the_console_sign_in(console, clock, settings):
    clock.shift(settings.PLATFORM_SESSION_IDLE_TIMEOUT + 1)
    answer = console.get("/platform/tenants/")
    assert answer.status_code == 302
    assert answer["Location"] == "/platform/login/?next=%2Fplatform%2Ftenants%2F"
    assert "_auth_user_id" not in console.session
    event = AuditEvent.objects.get(action="auth.logout")
    assert event.metadata == {"reason": "idle_timeout"}


def test_activity_keeps_a_console_session_alive(console, clock, settings):
    for _ in range(3):
        clock.shift(settings.PLATFORM_SESSION_IDLE_TIMEOUT - 60)
        assert console.get("/platform/").status_code == 200


def test_a_tenant_session_keeps_its_longer_timeout(tenant_a, clock, settings):
    client = Client()
    sign_in(client, tenant_a.members[Role.AGENT].user)
    clock.shift(settings.PLATFORM_SESSION_IDLE_TIMEOUT + 60)
    assert client.get("/").status_code == 200


def test_the_console_timeout_is_a_setting(console, clock, settings):
    settings.PLATFORM_SESSION_IDLE_TIMEOUT = 120
    clock.shift(121)
    assert console.get("/platform/")["Location"].startswith("/platform/login/")
