"""New country and new device for an owner or admin raise alerts; the first
sign-in sets the baseline."""

import datetime as dt

import pytest
import time_machine

from analytics.login_data.tests.conftest import SAFARI_IPHONE, browser_of
from audit.models import SecurityAlert
from tenants.models import Role

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def _sign_in(user, capture, **kwargs):
    with capture(execute=True):
        browser_of(user, **kwargs)


def _rules() -> set[str]:
    return set(SecurityAlert.objects.values_list("rule", flat=True))


def test_a_new_country_and_a_new_device_of_an_admin_raise_alerts(
    tenant_a, country_header, django_capture_on_commit_callbacks
):
    admin = tenant_a.members[Role.ADMIN].user
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(T0, tick=False) as clock:
        _sign_in(admin, capture, country="FR")  # the baseline
        clock.shift(3600)
        _sign_in(admin, capture, country="FR")  # as usual
        assert _rules() == set()
        clock.shift(3600)
        _sign_in(admin, capture, country="DE")
        assert _rules() == {"new_login_country"}
        clock.shift(3600)
        _sign_in(admin, capture, country="DE", agent=SAFARI_IPHONE)
    assert _rules() == {"new_login_country", "new_login_device"}
    device = SecurityAlert.objects.get(rule="new_login_device")
    assert device.tenant_id == tenant_a.tenant.pk and device.subject_id == str(admin.pk)


def test_a_first_sign_in_and_an_agent_raise_nothing(
    tenant_a, country_header, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(T0, tick=False) as clock:
        _sign_in(tenant_a.members[Role.OWNER].user, capture, country="US", agent=SAFARI_IPHONE)
        agent = tenant_a.members[Role.AGENT].user
        _sign_in(agent, capture, country="FR")
        clock.shift(3600)
        _sign_in(agent, capture, country="BR", agent=SAFARI_IPHONE)
    assert _rules() == set()
