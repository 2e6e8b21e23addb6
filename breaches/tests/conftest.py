"""Breach-notice tests: platform security, a controlled clock, an incident
affecting tenant A (tenant B is not affected)."""

import datetime as dt

import pytest
import time_machine

from breaches.tests.factories import declared
from platform_staff.tests.disclosure_helpers import platform_person

AWARE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(AWARE + dt.timedelta(hours=1), tick=False) as traveller:
        yield traveller


@pytest.fixture
def security(db):
    return platform_person("security")


@pytest.fixture
def incident_a(tenant_a, clock):
    """An incident known since AWARE, one pending notice for tenant A."""
    incident, (notice,) = declared(aware_at=AWARE, tenants=[tenant_a.tenant])
    return incident, notice
