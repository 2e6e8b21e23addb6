"""Platform staff refused again and again raise a platform alert, which goes to
platform security: people with the security platform role among them."""

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import SecurityAlert
from audit.recorder import Actor, record
from platform_staff.models import PlatformStaff
from tenants.models import Role, User

pytestmark = pytest.mark.django_db


def platform_person(email: str, roles: list[str], **extra) -> PlatformStaff:
    user = User.objects.create_user(email)
    return PlatformStaff.objects.create(user=user, roles=roles, country="FR", **extra)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def denied(staff: PlatformStaff, tenant=None):
    return record(
        "platform.access_denied",
        outcome="denied",
        actor=Actor.platform_staff(staff.user),
        tenant=tenant,
        metadata={"reason": "no_grant"},
    )


def test_a_platform_person_refused_in_several_tenants_raises_one_platform_alert(
    settings, tenant_a, tenant_b, run_on_commit
):
    settings.SECURITY_ALERT_PLATFORM_DENIALS = (3, 300)
    support = platform_person("support@platform.example", ["support"])
    colleague = platform_person("other@platform.example", ["support"])
    platform_person("security@platform.example", ["security", "dpo"])
    platform_person("gone@platform.example", ["security"], deactivated_at=timezone.now())

    run_on_commit(denied, support, tenant_a.tenant)
    run_on_commit(denied, colleague, tenant_a.tenant)
    run_on_commit(denied, support, tenant_b.tenant)
    assert not SecurityAlert.objects.exists()
    run_on_commit(denied, support)

    alert = SecurityAlert.objects.get()
    assert alert.rule == "platform_denials" and alert.tenant_id is None
    assert (alert.subject_kind, alert.subject_id) == ("platform_staff", str(support.user_id))
    # Platform alerts go to platform security only: no tenant's admins, no deactivated person.
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["security@platform.example"]
    assert tenant_a.members[Role.ADMIN].user.email not in recipients


def test_tenant_members_refused_do_not_count_as_platform_denials(settings, tenant_a, run_on_commit):
    settings.SECURITY_ALERT_PLATFORM_DENIALS = (1, 300)
    agent = tenant_a.members[Role.AGENT]
    run_on_commit(
        record,
        "platform.access_denied",
        outcome="denied",
        actor=Actor.member(agent),
        tenant=tenant_a.tenant,
    )
    assert not SecurityAlert.objects.filter(rule="platform_denials").exists()
