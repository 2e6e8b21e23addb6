"""Login data costs an ordinary request no query, and a session one write a minute."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from analytics.login_data.tests.conftest import browser_of
from tenants.models import Role

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
MIDDLEWARE = "analytics.login_data.middleware.LoginDataMiddleware"


def _login_data(queries) -> list[str]:
    return [q["sql"] for q in queries if "login_data_" in q["sql"]]


def test_one_write_per_session_per_minute_and_none_in_between(tenant_a):
    agent = tenant_a.members[Role.AGENT].user
    with time_machine.travel(T0, tick=False) as clock:
        browser = browser_of(agent)
        browser.get("/")  # the session's first activity mark: one write
        for _ in range(3):
            clock.shift(10)
            with CaptureQueriesContext(connection) as ordinary:
                assert browser.get("/").status_code == 200
            assert _login_data(ordinary) == []
        clock.shift(31)
        with CaptureQueriesContext(connection) as minute:
            browser.get("/api/v1/conversations")
        writes = _login_data(minute)
        assert len(writes) == 1 and writes[0].startswith("UPDATE")


def test_an_ordinary_request_makes_the_same_queries_without_the_middleware(tenant_a, settings):
    agent = tenant_a.members[Role.AGENT].user
    with time_machine.travel(T0, tick=False) as clock:
        browser = browser_of(agent)
        browser.get("/")
        clock.shift(10)
        with CaptureQueriesContext(connection) as recorded:
            browser.get("/")
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
        bare = Client(HTTP_USER_AGENT="x")
        bare.cookies = browser.cookies
        clock.shift(10)
        with CaptureQueriesContext(connection) as unrecorded:
            bare.get("/")
    assert len(recorded) == len(unrecorded)
