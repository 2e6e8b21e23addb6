"""A sign-in records its session; the middleware counts routes per workspace."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from analytics.login_data.models import NO_TENANT, LoginSession
from analytics.login_data.tests.conftest import SAFARI_IPHONE, browser_of
from tenants.models import Role
from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def test_a_sign_in_records_ip_country_families_and_referrer(tenant_a, country_header):
    agent = tenant_a.members[Role.AGENT].user
    browser = browser_of(
        agent,
        agent=SAFARI_IPHONE,
        ip="198.51.100.23",
        country="fr",
        HTTP_REFERER="https://mail.example.net/inbox?id=42",
    )
    row = LoginSession.objects.get(user=agent)
    assert (row.ip, row.country) == ("198.51.100.23", "FR")
    assert (row.browser_family, row.os_family, row.device_family) == (
        "Mobile Safari",
        "iOS",
        "iPhone",
    )
    assert row.referrer_host == "mail.example.net"
    assert row.session_key == browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert row.ended_at is None and not row.platform_staff
    # The raw user agent is kept nowhere on the row.
    assert "Mozilla" not in str(LoginSession.objects.filter(pk=row.pk).values().get())


@pytest.mark.parametrize("sent", ["ZZ", "FRA", "xx", "1A"])
def test_a_country_that_is_not_an_iso_code_is_not_kept(tenant_a, country_header, sent):
    agent = tenant_a.members[Role.AGENT].user
    browser_of(agent, country=sent, HTTP_REFERER="http://testserver/login/")
    row = LoginSession.objects.get(user=agent)
    assert row.country == "" and row.referrer_host == ""  # our own host is no referrer


def test_without_a_configured_header_the_country_is_unknown(tenant_a):
    agent = tenant_a.members[Role.AGENT].user
    browser_of(agent, country="FR")
    assert LoginSession.objects.get(user=agent).country == ""


def test_routes_are_counted_per_workspace_by_name_never_with_ids(tenant_a, tenant_b):
    agent = tenant_a.members[Role.AGENT].user
    MembershipFactory(tenant=tenant_b.tenant, user=agent, role=Role.AGENT)
    missing = "0190c2b4-0000-7000-8000-000000000000"
    with time_machine.travel(T0, tick=False) as clock:
        browser = browser_of(agent)
        assert browser.get("/").status_code == 200  # the inbox of A, the first workspace
        browser.get(f"/api/v1/conversations/{missing}?x=1")  # a 404, in A
        in_b = {"HTTP_X_TENANT": tenant_b.tenant.slug}
        assert browser.get("/api/v1/conversations", **in_b).status_code == 200
        browser.get("/api/v1/conversations", **in_b)
        clock.shift(61)
        browser.get("/")  # the minute's write
    routes = LoginSession.objects.get(user=agent).routes
    assert routes[str(tenant_a.tenant.pk)] == {
        "web:home": 2,
        "api:conversation-detail": 1,
    }
    assert routes[str(tenant_b.tenant.pk)] == {"api:conversation-list": 2}
    assert routes[NO_TENANT] == {"web:login": 1}
    names = [name for counts in routes.values() for name in counts]
    assert not any(UUID.search(name) or "?" in name or "/" in name for name in names)
    assert missing not in str(routes) and "x=1" not in str(routes)


def test_time_spent_adds_the_gaps_between_close_minute_marks(tenant_a):
    agent = tenant_a.members[Role.AGENT].user
    with time_machine.travel(T0, tick=False) as clock:
        browser = browser_of(agent)
        browser.get("/")  # the first mark
        for seconds in (20, 50, 60):  # marks at +70 and +130 (+20 is within the minute)
            clock.shift(seconds)
            browser.get("/")
        clock.shift(600)  # away longer than the active gap: not time spent
        browser.get("/")
    row = LoginSession.objects.get(user=agent)
    assert row.active_seconds == 130
    assert row.last_active_at == T0 + dt.timedelta(seconds=730)


def test_sign_out_and_idle_timeout_end_the_session_with_their_reason(tenant_a):
    agent = tenant_a.members[Role.AGENT].user
    with time_machine.travel(T0, tick=False) as clock:
        browser = browser_of(agent)
        browser.get("/")
        browser.post("/logout/")
        first = LoginSession.objects.get(user=agent)
        assert first.end_reason == "signed_out" and first.session_key == ""
        assert first.routes[str(tenant_a.tenant.pk)] == {"web:home": 1}  # flushed at the end
        browser = browser_of(agent)
        browser.get("/")
        clock.shift(settings.SESSION_IDLE_TIMEOUT + 1)
        browser.get("/")
    second = LoginSession.objects.exclude(pk=first.pk).get(user=agent)
    assert second.end_reason == "idle_timeout" and second.ended_at is not None


def test_the_row_follows_the_key_rotated_by_the_second_factor(tenant_a):
    admin = tenant_a.members[Role.ADMIN].user
    browser = browser_of(admin, code=True)
    row = LoginSession.objects.get(user=admin)
    assert row.session_key == browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert Client().get("/").status_code == 302  # sanity: a stranger is sent away
