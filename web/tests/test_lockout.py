"""Lockouts after repeated failed sign-ins: per account from any IP, per IP across accounts."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from audit.models import AuditEvent
from tenants.models import Role
from web.login_security import account_hash
from web.tests.helpers import sign_in

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "Too many failed sign-in attempts"


def _fail(user_or_email, ip: str):
    email = getattr(user_or_email, "email", user_or_email)
    return Client().post("/login/", {"username": email, "password": "wrong"}, REMOTE_ADDR=ip)


def test_an_account_locks_after_repeated_failures_from_varied_ips(tenant_a, settings):
    agent = tenant_a.members[Role.AGENT].user
    limit = settings.AXES_FAILURE_LIMIT
    answers = [_fail(agent, f"203.0.113.{n}") for n in range(1, limit + 1)]
    assert [a.status_code for a in answers[:-1]] == [200] * (limit - 1)
    assert answers[-1].status_code == 429  # the failure that reaches the limit says so

    # Even the right password, from an address never seen, is refused now.
    browser = Client()
    locked = sign_in(browser, agent, REMOTE_ADDR="198.51.100.7")
    assert locked.status_code == 429
    assert LOCKED_TEXT in locked.content.decode()
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert browser.get("/").status_code == 302  # not signed in

    # Other people at those addresses are not affected.
    assert (
        sign_in(Client(), tenant_a.members[Role.VIEWER].user, REMOTE_ADDR="203.0.113.1")["Location"]
        == "/"
    )

    lockout = AuditEvent.objects.filter(action="auth.login.locked_out").first()
    assert lockout is not None and lockout.outcome == "denied"
    assert lockout.metadata["account_hash"] == account_hash(agent.email)
    # Axes' own table holds the keyed hash, never the typed address.
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {
        account_hash(agent.email)
    }


def test_the_account_count_ignores_the_case_of_the_email(tenant_a, settings):
    agent = tenant_a.members[Role.AGENT].user
    for n in range(settings.AXES_FAILURE_LIMIT):
        spelled = agent.email.upper() if n % 2 else f"  {agent.email}"
        _fail(spelled, f"203.0.113.{n + 1}")
    assert sign_in(Client(), agent, REMOTE_ADDR="198.51.100.7").status_code == 429


def test_an_ip_locks_after_failures_across_accounts(tenant_a, settings):
    attacker = "192.0.2.66"
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(f"guess{n}@example.com", attacker)
    agent = tenant_a.members[Role.AGENT].user
    refused = sign_in(Client(), agent, REMOTE_ADDR=attacker)
    assert refused.status_code == 429 and LOCKED_TEXT in refused.content.decode()
    # The same person from their own network signs in: the account itself is not locked.
    assert sign_in(Client(), agent, REMOTE_ADDR="198.51.100.7")["Location"] == "/"
    assert AuditEvent.objects.filter(action="auth.login.locked_out", ip=attacker).exists()
    failed = AuditEvent.objects.filter(action="auth.login.failed", ip=attacker)
    assert failed.count() == settings.AXES_FAILURE_LIMIT + 1
    assert failed.get(target_id=str(agent.pk)).metadata["locked_out"] is True


def test_the_lockout_ends_after_the_cool_off(tenant_a, settings):
    agent = tenant_a.members[Role.AGENT].user
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for n in range(settings.AXES_FAILURE_LIMIT):
            _fail(agent, f"203.0.113.{n + 1}")
        assert sign_in(Client(), agent).status_code == 429
        clock.shift(settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=30))
        assert sign_in(Client(), agent).status_code == 429
        clock.shift(dt.timedelta(minutes=1))
        assert sign_in(Client(), agent)["Location"] == "/"


def test_a_locked_out_attempt_is_still_audited_as_a_failed_sign_in(tenant_a, settings):
    agent = tenant_a.members[Role.AGENT].user
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail(agent, f"203.0.113.{n + 1}")
    sign_in(Client(), agent, REMOTE_ADDR="198.51.100.7")
    refused = AuditEvent.objects.get(action="auth.login.failed", ip="198.51.100.7")
    assert refused.metadata["locked_out"] is True and refused.target_id == str(agent.pk)
    assert not AuditEvent.objects.filter(action="auth.login.succeeded").exists()
