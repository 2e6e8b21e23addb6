"""Each rule raises exactly one alert when its threshold is crossed, none below
it, and the alert is emailed once to the right people."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AuditEvent, SecurityAlert
from audit.recorder import Actor, record
from audit.tests.factories import SecurityAlertFactory
from tenants.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_officer():
    user = User.objects.create_user("security@platform.example", is_staff=True)
    user.groups.add(Group.objects.get(name="platform_security"))
    # Staff outside the group, and group members who are not staff, hear nothing.
    User.objects.create_user("support@platform.example", is_staff=True)
    outsider = User.objects.create_user("former@platform.example", is_staff=False)
    outsider.groups.add(Group.objects.get(name="platform_security"))
    return user


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Records inside the block and runs what they queue after commit (the rule
    task, then the email task), as a real commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def from_ip(ip: str):
    return RequestFactory().post("/login/", REMOTE_ADDR=ip)


def failed_login(ip="203.0.113.9", target=None, tenant=None):
    return record(
        "auth.login.failed",
        outcome="failure",
        request=from_ip(ip),
        actor=Actor.anonymous(),
        target=target,
        tenant=tenant,
    )


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_the_platform_security_group_exists_from_a_migration():
    group = Group.objects.get(name="platform_security")
    assert group.permissions.filter(codename="receive_security_alerts").exists()


def test_failed_logins_from_one_ip_raise_one_platform_alert(
    settings, security_officer, run_on_commit
):
    settings.SECURITY_ALERT_FAILED_LOGINS = (3, 300)
    run_on_commit(failed_login)
    run_on_commit(failed_login)
    run_on_commit(failed_login, ip="198.51.100.1")  # another address counts apart
    assert not SecurityAlert.objects.exists() and mail.outbox == []

    run_on_commit(failed_login)
    alert = SecurityAlert.objects.get()
    assert (alert.rule, alert.tenant_id, alert.subject_kind) == ("failed_logins", None, "ip")
    assert alert.subject_ip == "203.0.113.9" and alert.event_count == 3
    assert "203.0.113.9" not in alert.summary
    assert recipients() == ["security@platform.example"]
    assert "failed sign-ins" in mail.outbox[0].body

    # The burst goes on: the same alert grows; nobody is emailed again.
    run_on_commit(failed_login)
    alert.refresh_from_db()
    assert SecurityAlert.objects.count() == 1 and alert.event_count == 4
    assert len(mail.outbox) == 1


def test_failures_outside_the_window_do_not_count(settings, security_officer, run_on_commit):
    settings.SECURITY_ALERT_FAILED_LOGINS = (3, 300)
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=10), tick=False):
        run_on_commit(failed_login)
        run_on_commit(failed_login)
    run_on_commit(failed_login)
    assert not SecurityAlert.objects.exists()


def test_failed_logins_against_one_account_from_many_ips(
    settings, tenant_a, security_officer, run_on_commit
):
    settings.SECURITY_ALERT_FAILED_LOGINS = (3, 300)
    owner = tenant_a.owner.user
    for n in range(3):
        run_on_commit(failed_login, ip=f"192.0.2.{n + 1}", target=("user", owner.pk))
    alert = SecurityAlert.objects.get()
    assert (alert.subject_kind, alert.subject_id) == ("user", str(owner.pk))
    assert recipients() == ["security@platform.example"]


def wrong_code(user, ip="203.0.113.9"):
    """A wrong second-factor code after a right password: a failed sign-in too."""
    return record(
        "auth.2fa.failed",
        outcome="failure",
        request=from_ip(ip),
        actor=Actor.user(user),
        target=("user", user.pk),
        metadata={"purpose": "sign_in", "method": "totp", "throttled": False},
    )


def test_wrong_second_factor_codes_raise_the_failed_sign_in_alert(
    settings, tenant_a, security_officer, run_on_commit
):
    settings.SECURITY_ALERT_FAILED_LOGINS = (3, 300)
    owner = tenant_a.owner.user
    run_on_commit(wrong_code, owner)
    run_on_commit(wrong_code, owner)
    assert not SecurityAlert.objects.exists()
    run_on_commit(wrong_code, owner)
    alerts = {a.subject_kind: a for a in SecurityAlert.objects.filter(rule="failed_logins")}
    assert set(alerts) == {"ip", "user"}
    assert alerts["user"].subject_id == str(owner.pk) and alerts["user"].event_count == 3
    assert alerts["ip"].event_count == 3


def test_password_and_second_factor_failures_count_together(
    settings, tenant_a, security_officer, run_on_commit
):
    settings.SECURITY_ALERT_FAILED_LOGINS = (3, 300)
    owner = tenant_a.owner.user
    run_on_commit(wrong_code, owner)
    run_on_commit(wrong_code, owner)
    run_on_commit(failed_login, target=("user", owner.pk))  # the third, a password this time
    alert = SecurityAlert.objects.get(subject_kind="user")
    assert (alert.subject_id, alert.event_count) == (str(owner.pk), 3)


def test_a_member_denied_again_and_again_alerts_the_tenants_admins(
    settings, tenant_a, tenant_b, security_officer, run_on_commit
):
    settings.SECURITY_ALERT_ACCESS_DENIALS = (3, 300)
    agent = tenant_a.members[Role.AGENT]
    other = tenant_a.members[Role.VIEWER]

    def denied(member):
        return record(
            "access.denied", outcome="denied", actor=Actor.member(member), tenant=tenant_a.tenant
        )

    run_on_commit(denied, agent)
    run_on_commit(denied, agent)
    run_on_commit(denied, other)
    assert not SecurityAlert.objects.exists()
    run_on_commit(denied, agent)

    alert = SecurityAlert.objects.get()
    assert alert.tenant_id == tenant_a.tenant.pk and alert.rule == "access_denials"
    assert (alert.subject_kind, alert.subject_id) == ("member", str(agent.pk))
    assert recipients() == sorted(
        [
            "security@platform.example",
            tenant_a.members[Role.OWNER].user.email,
            tenant_a.members[Role.ADMIN].user.email,
        ]
    )
    assert all(len(message.to) == 1 for message in mail.outbox)
    assert agent.user.email not in mail.outbox[0].body


def test_denials_through_an_api_token_count_for_its_member(settings, tenant_a, run_on_commit):
    settings.SECURITY_ALERT_ACCESS_DENIALS = (2, 300)
    agent = tenant_a.members[Role.AGENT]
    from tenants.services.tokens import api_token_create

    token, _ = api_token_create(membership=agent, name="script")
    run_on_commit(record, "access.denied", outcome="denied", actor=Actor.member(agent))
    run_on_commit(
        record,
        "access.denied",
        outcome="denied",
        actor=Actor.api_token(token),
        tenant=token.tenant_id,
    )
    assert not SecurityAlert.objects.exists()  # the first had no tenant: not counted

    run_on_commit(
        record, "access.denied", outcome="denied", actor=Actor.member(agent), tenant=tenant_a.tenant
    )
    assert SecurityAlert.objects.get().subject_id == str(agent.pk)


def test_an_export_spike_alerts_through_the_api(
    settings, tenant_a, security_officer, run_on_commit
):
    settings.SECURITY_ALERT_EXPORTS = (3, 3600)
    client = tenant_a.client(Role.PRIVACY)

    def export():
        response = client.get("/api/v1/audit/events")
        b"".join(response.streaming_content)
        return response

    run_on_commit(export)
    run_on_commit(export)
    assert not SecurityAlert.objects.exists()
    run_on_commit(export)
    alert = SecurityAlert.objects.get()
    assert (alert.rule, alert.tenant_id, alert.event_count) == (
        "export_volume",
        tenant_a.tenant.pk,
        3,
    )
    assert tenant_a.members[Role.OWNER].user.email in recipients()
    assert tenant_a.members[Role.PRIVACY].user.email not in recipients()


def _sign_in(user, ip):
    return record("auth.login.succeeded", request=from_ip(ip), actor=Actor.user(user))


def test_an_owner_signing_in_from_a_new_ip_raises_an_alert(
    tenant_a, tenant_b, security_officer, run_on_commit
):
    owner = tenant_a.owner.user
    run_on_commit(_sign_in, owner, "192.0.2.10")  # the first sign-in sets the baseline
    run_on_commit(_sign_in, owner, "192.0.2.10")
    assert not SecurityAlert.objects.exists()

    run_on_commit(_sign_in, owner, "198.51.100.77")
    alert = SecurityAlert.objects.get()
    assert (alert.rule, alert.tenant_id) == ("new_login_ip", tenant_a.tenant.pk)
    assert (alert.subject_id, alert.subject_ip) == (str(owner.pk), "198.51.100.77")
    assert recipients() == sorted(
        [
            "security@platform.example",
            owner.email,
            tenant_a.members[Role.ADMIN].user.email,
        ]
    )
    # Seen now: signing in from there again raises nothing more.
    run_on_commit(_sign_in, owner, "198.51.100.77")
    assert SecurityAlert.objects.count() == 1


def test_agents_signing_in_from_new_ips_raise_nothing(tenant_a, run_on_commit):
    agent = tenant_a.members[Role.AGENT].user
    run_on_commit(_sign_in, agent, "192.0.2.10")
    run_on_commit(_sign_in, agent, "198.51.100.77")
    assert not SecurityAlert.objects.exists()


def test_evaluating_an_event_twice_creates_nothing_new(settings, security_officer, run_on_commit):
    from audit.tasks import evaluate_event, notify_alert

    settings.SECURITY_ALERT_FAILED_LOGINS = (2, 300)
    run_on_commit(failed_login)
    event = run_on_commit(failed_login)
    alert = SecurityAlert.objects.get()
    assert evaluate_event.delay(str(event.pk)).get() == 1
    assert notify_alert.delay(str(alert.pk)).get() is False
    assert SecurityAlert.objects.count() == 1 and len(mail.outbox) == 1


def test_after_acknowledgement_a_new_burst_raises_a_new_alert(
    settings, security_officer, run_on_commit
):
    settings.SECURITY_ALERT_FAILED_LOGINS = (2, 300)
    run_on_commit(failed_login)
    run_on_commit(failed_login)
    SecurityAlert.objects.update(acknowledged_at=timezone.now())
    run_on_commit(failed_login)
    assert SecurityAlert.objects.count() == 2 and len(mail.outbox) == 2


def test_other_actions_queue_no_evaluation(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        record("personal_data.read", actor=Actor.system("x"))
        record("member.revoked", actor=Actor.system("x"))
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        record("auth.2fa.failed", outcome="failure")
        record("personal_data.exported")
    assert len(callbacks) == 2


# The tenant's view of its alerts.


def test_owners_and_admins_list_their_tenants_alerts_only(tenant_a, tenant_b):
    mine = SecurityAlertFactory(tenant=tenant_a.tenant)
    SecurityAlertFactory(tenant=tenant_b.tenant)
    SecurityAlertFactory(tenant=None, rule="failed_logins")
    for role in (Role.OWNER, Role.ADMIN):
        response = tenant_a.client(role).get("/api/v1/security/alerts")
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert [a["id"] for a in response.json()["results"]] == [str(mine.pk)]
    for role in (Role.AGENT, Role.VIEWER, Role.PRIVACY):
        assert tenant_a.client(role).get("/api/v1/security/alerts").status_code == 403


def test_acknowledging_an_alert_is_recorded_and_idempotent(tenant_a):
    alert = SecurityAlertFactory(tenant=tenant_a.tenant)
    client = tenant_a.client(Role.ADMIN)
    url = f"/api/v1/security/alerts/{alert.pk}/acknowledge"

    response = client.post(url)
    assert response.status_code == 200 and response.json()["acknowledged_at"]
    alert.refresh_from_db()
    assert alert.acknowledged_by == tenant_a.members[Role.ADMIN].user
    first = alert.acknowledged_at
    assert client.post(url).json()["acknowledged_at"] == response.json()["acknowledged_at"]
    alert.refresh_from_db()
    assert alert.acknowledged_at == first

    event = AuditEvent.objects.get(action="security_alert.acknowledged")
    assert (event.target_kind, event.target_id) == ("security_alert", str(alert.pk))
    assert event.actor_member_id == tenant_a.members[Role.ADMIN].pk

    open_only = client.get("/api/v1/security/alerts", {"open": "true"}).json()["results"]
    assert open_only == []
    assert tenant_a.client(Role.AGENT).post(url).status_code == 403
