"""Fixtures of the policy-version tests: a controlled clock, the platform's DPO,
and a cache of published versions emptied around each test (it lives in the
shared cache, Redis under CI, and would outlive a test's rolled-back rows)."""

import datetime as dt

import pytest
import time_machine

from platform_staff.tests.console_helpers import console_client, make_platform_person
from privacy.policies.selectors import forget_published_versions

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_versions_cache():
    forget_published_versions()
    yield
    forget_published_versions()


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dpo(db):
    return make_platform_person(("dpo",))


@pytest.fixture
def dpo_page(dpo):
    return console_client(dpo)
