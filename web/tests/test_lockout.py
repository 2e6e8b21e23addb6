"""Failed sign-ins (docs/security.md): one account from one address is locked; an
account is slowed down from new addresses; an address spraying passwords over
many accounts is paused. A colleague behind the same address is never caught."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from audit.models import AuditEvent
from tenants.models import Role
from web.login_security import account_delay, account_hash
from web.tests.helpers import sign_in

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "Too many failed sign-in attempts"
OFFICE = "203.0.113.10"  # one address for the whole office (NAT)
HOME = "198.51.100.7"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _fail(user_or_email, ip: str):
    email = getattr(user_or_email, "email", user_or_email)
    return Client().post("/login/", {"username": email, "password": "wrong"}, REMOTE_ADDR=ip)


def _signs_in(user, ip: str) -> bool:
    return sign_in(Client(), user, REMOTE_ADDR=ip).get("Location") == "/"


def test_a_colleague_with_the_right_password_still_signs_in_from_the_same_address(
    tenant_a, settings, clock
):
    clumsy = tenant_a.members[Role.AGENT].user
    answers = [_fail(clumsy, OFFICE) for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert [a.status_code for a in answers[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert answers[-1].status_code == 429  # the failure that reaches the limit says so
    # The office's address is not locked: everyone else there signs in.
    assert _signs_in(tenant_a.members[Role.VIEWER].user, OFFICE)
    owner = sign_in(Client(), tenant_a.owner.user, REMOTE_ADDR=OFFICE)
    assert owner.status_code == 302 and owner["Location"].startswith("/login/enrol/")  # 2FA next
    # The clumsy colleague's own account, from there, waits out the cool-off.
    assert sign_in(Client(), clumsy, REMOTE_ADDR=OFFICE).status_code == 429


def test_the_attacked_account_is_locked_from_the_attacking_address_only(tenant_a, settings, clock):
    victim = tenant_a.members[Role.AGENT].user
    assert _signs_in(victim, HOME)  # the victim's usual address
    attacker = "192.0.2.66"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail(victim, attacker)

    # Even the right password is refused for this account from that address.
    browser = Client()
    locked = sign_in(browser, victim, REMOTE_ADDR=attacker)
    assert locked.status_code == 429
    assert "for this account from your network" in locked.content.decode()
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert browser.get("/").status_code == 302  # not signed in
    # The victim, at their usual address, signs in at once.
    assert _signs_in(victim, HOME)

    lockouts = AuditEvent.objects.filter(action="auth.login.locked_out")
    assert lockouts.exists()
    for lockout in lockouts:
        assert lockout.outcome == "denied" and lockout.ip == attacker
        assert lockout.metadata["account_hash"] == account_hash(victim.email)
    # Axes' own table holds the keyed hash, never the typed address.
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {
        account_hash(victim.email)
    }


def test_an_account_is_slowed_down_across_addresses_but_never_for_long(tenant_a, settings, clock):
    victim = tenant_a.members[Role.AGENT].user
    assert _signs_in(victim, HOME)
    # An attacker spread over many addresses: none of them reaches the pair lock.
    addresses = (f"203.0.113.{n}" for n in range(100, 200))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert _fail(victim, next(addresses)).status_code == 200

    # From any new address, the account now waits 1 second after its latest failure.
    waiting = _fail(victim, next(addresses))
    assert waiting.status_code == 429 and waiting["Retry-After"] == "1"
    assert "Wait 1 second, then try again." in waiting.content.decode()
    assert sign_in(Client(), victim, REMOTE_ADDR=next(addresses)).status_code == 429
    paused = AuditEvent.objects.filter(action="auth.login.failed", metadata__paused="account")
    assert paused.count() == 2 and paused.first().metadata["locked_out"] is True
    # Refused attempts are not counted: the wait does not grow while refused.
    clock.shift(1)
    assert _fail(victim, next(addresses)).status_code == 200  # the 6th failure: 2 s now
    clock.shift(1)
    assert _fail(victim, next(addresses))["Retry-After"] == "1"
    clock.shift(1)
    assert _fail(victim, next(addresses)).status_code == 200

    # However long the attack, a pause never exceeds the cap.
    for _ in range(10):
        clock.shift(settings.LOGIN_ACCOUNT_DELAY_MAX_SECONDS)
        assert _fail(victim, next(addresses)).status_code == 200
    refused = _fail(victim, next(addresses))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == settings.LOGIN_ACCOUNT_DELAY_MAX_SECONDS
    # The victim's usual address is not slowed at all; a new one waits at most the cap.
    assert _signs_in(victim, HOME)
    clock.shift(settings.LOGIN_ACCOUNT_DELAY_MAX_SECONDS)
    assert _signs_in(victim, next(addresses))


def test_the_account_delay_doubles_up_to_the_cap(settings):
    limit = settings.AXES_FAILURE_LIMIT
    delays = [account_delay(limit + n) for n in range(-1, 9)]
    assert delays == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_password_spraying_from_one_address_pauses_it(tenant_a, settings, clock):
    sprayer = "192.0.2.99"
    agent = tenant_a.members[Role.AGENT].user
    for n in range(settings.LOGIN_SPRAY_ACCOUNTS - 1):
        assert _fail(f"guess{n}@example.com", sprayer).status_code == 200
    # Below the threshold, someone behind that address still signs in.
    assert _signs_in(tenant_a.members[Role.VIEWER].user, sprayer)

    _fail("one.more@example.com", sprayer)
    refused = sign_in(Client(), agent, REMOTE_ADDR=sprayer)
    assert refused.status_code == 429
    assert "on different accounts from your network" in refused.content.decode()
    assert refused["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert AuditEvent.objects.filter(ip=sprayer, metadata__paused="address").exists()
    # Other addresses are not affected, and the pause ends after the cool-off.
    assert _signs_in(agent, HOME)
    clock.shift(settings.AXES_COOLOFF_TIME)
    assert _signs_in(agent, sprayer)


def test_the_spraying_threshold_is_above_the_per_account_limit(settings):
    assert settings.LOGIN_SPRAY_ACCOUNTS > settings.AXES_FAILURE_LIMIT


def test_the_account_count_ignores_the_case_of_the_email(tenant_a, settings, clock):
    agent = tenant_a.members[Role.AGENT].user
    for n in range(settings.AXES_FAILURE_LIMIT):
        spelled = agent.email.upper() if n % 2 else f"  {agent.email}"
        _fail(spelled, OFFICE)
    assert sign_in(Client(), agent, REMOTE_ADDR=OFFICE).status_code == 429


def test_the_lockout_ends_after_the_cool_off(tenant_a, settings, clock):
    agent = tenant_a.members[Role.AGENT].user
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail(agent, OFFICE)
    assert sign_in(Client(), agent, REMOTE_ADDR=OFFICE).status_code == 429
    clock.shift(settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=30))
    # Attempts during the lockout are refused, and do not start it again.
    assert sign_in(Client(), agent, REMOTE_ADDR=OFFICE).status_code == 429
    clock.shift(dt.timedelta(minutes=1))
    assert _signs_in(agent, OFFICE)


def test_a_locked_out_attempt_is_still_audited_as_a_failed_sign_in(tenant_a, settings, clock):
    agent = tenant_a.members[Role.AGENT].user
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail(agent, OFFICE)
    sign_in(Client(), agent, REMOTE_ADDR=OFFICE)
    refused = AuditEvent.objects.filter(action="auth.login.failed", ip=OFFICE).last()
    assert refused.metadata["locked_out"] is True and refused.target_id == str(agent.pk)
    assert not AuditEvent.objects.filter(action="auth.login.succeeded").exists()
