"""Shared by the audit-request tests: a controlled clock, the platform's DPO,
a private package directory, and a request brought to each state."""

import datetime as dt

import pytest
import time_machine

from compliance.audits import rules, services
from platform_staff.tests.console_helpers import make_platform_person

# 10:00 in Paris on Tuesday 3 March 2026 (winter time, UTC+1).
NOW = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dpo(db):
    return make_platform_person(("dpo",))


@pytest.fixture(autouse=True)
def package_dir(settings, tmp_path):
    settings.COMPLIANCE_PACKAGE_DIR = tmp_path / "compliance"
    settings.PRIVACY_TIME_ZONE = "Europe/Paris"
    return settings.COMPLIANCE_PACKAGE_DIR


def days(n: int, *, now=NOW) -> dt.date:
    """The date n days after ``now``'s date in Paris."""
    return rules.local_today(now) + dt.timedelta(days=n)


def filed(world, date=None, *, now=NOW, note="Retention and access controls"):
    return services.audit_request_file(
        membership=world.owner, proposed_date=date or days(45), scope_note=note, now=now
    )


def accepted(world, dpo, date=None, *, now=NOW):
    audit = filed(world, date, now=now)
    return services.audit_request_accept(staff=dpo, request=audit, now=now)
