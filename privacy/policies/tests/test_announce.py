"""Publishing a version tells every tenant's owners and privacy officers, by
email (in each reader's language) and in the app, and nobody else; the
tenants that chose it get their service message queued. Told once, whatever
the retries."""

import datetime as dt

import pytest
from django.core import mail

from privacy.policies import announce, tasks
from privacy.policies.models import PolicyServiceMessage
from privacy.policies.services import policy_version_publish
from privacy.policies.tests.conftest import MONDAY
from privacy.policies.tests.helpers import SERVICE, draft
from tenants.models import Notice, Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db
NEXT_WEEK = MONDAY + dt.timedelta(days=7)


@pytest.fixture
def version(dpo, clock):
    return draft(
        dpo,
        "2026-03",
        NEXT_WEEK,
        summary_en="Retention is now chosen by each shop.",
        summary_fr="La durée de conservation est choisie par chaque commerce.",
        **SERVICE,
    )


def _publish(dpo, version, capture):
    with capture(execute=True):
        policy_version_publish(staff=dpo, policy_version=version)


def _recipients() -> list[str]:
    return sorted(address for email in mail.outbox for address in email.to)


def test_owners_and_privacy_officers_are_told_by_email_and_notice(
    tenant_a, tenant_b, dpo, version, django_capture_on_commit_callbacks
):
    tenant_a.members[Role.PRIVACY].user.language = "fr"
    tenant_a.members[Role.PRIVACY].user.save(update_fields=["language"])
    tenant_a.tenant.send_policy_messages = True
    tenant_a.tenant.save(update_fields=["send_policy_messages"])
    _publish(dpo, version, django_capture_on_commit_callbacks)

    told = [
        w.members[r].user.email for w in (tenant_a, tenant_b) for r in (Role.OWNER, Role.PRIVACY)
    ]
    assert _recipients() == sorted(told)
    by_reader = {email.to[0]: email for email in mail.outbox}
    owner_mail = by_reader[tenant_a.owner.user.email]
    assert "version 2026-03" in owner_mail.subject
    assert "2026-03-09 10:00 (Europe/Paris)" in owner_mail.body
    assert "Retention is now chosen by each shop." in owner_mail.body
    assert SERVICE["service_message_en"] in owner_mail.body
    assert "/privacy-policy/2026-03/" in owner_mail.body
    assert "/settings/privacy-policy/" in owner_mail.body
    french = by_reader[tenant_a.members[Role.PRIVACY].user.email]
    assert "politique de confidentialité" in french.subject.lower()
    assert "La durée de conservation est choisie par chaque commerce." in french.body
    # Tenant B does not send service messages: its owners read so.
    assert SERVICE["service_message_en"] not in by_reader[tenant_b.owner.user.email].body

    for world, sending in ((tenant_a, True), (tenant_b, False)):
        (notice,) = Notice.objects.for_tenant(world.tenant).filter(kind="policy_version.published")
        assert notice.capability == "privacy.requests"
        assert notice.params == {
            "version_id": str(version.pk),
            "version": "2026-03",
            "effective": "2026-03-09 10:00 (Europe/Paris)",
            "sending": sending,
        }
    assert list(PolicyServiceMessage.objects.values_list("tenant_id", flat=True)) == [
        tenant_a.tenant.pk
    ]


@pytest.mark.parametrize(
    ("role", "sees"),
    [(Role.OWNER, True), (Role.PRIVACY, True), (Role.ADMIN, False), (Role.AGENT, False)],
)
def test_the_notice_reaches_owners_and_privacy_officers_only(
    clock, tenant_a, dpo, version, django_capture_on_commit_callbacks, role, sees
):
    _publish(dpo, version, django_capture_on_commit_callbacks)
    page = verified_client(tenant_a.members[role].user).get("/notices/").content.decode()
    assert ("A new version of the privacy policy" in page) is sees
    if sees:
        assert "version 2026-03 is in force from 2026-03-09 10:00 (Europe/Paris)" in page
        assert 'href="/settings/privacy-policy/"' in page


def test_a_second_run_tells_nobody_twice(
    tenant_a, dpo, version, django_capture_on_commit_callbacks
):
    tenant_a.tenant.send_policy_messages = True
    tenant_a.tenant.save(update_fields=["send_policy_messages"])
    _publish(dpo, version, django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.announce_version(str(version.pk)) == 1
        assert tasks.announce_to_tenant(str(version.pk), str(tenant_a.tenant.pk)) is False
    assert len(mail.outbox) == sent == 2
    assert Notice.objects.filter(kind="policy_version.published").count() == 1
    assert PolicyServiceMessage.objects.count() == 1


def test_a_failed_email_leaves_no_notice_and_the_retry_tells(tenant_a, dpo, version, monkeypatch):
    from privacy.policies.tests.helpers import published_without_announcing

    published_without_announcing(dpo, version)

    def broken(*args, **kwargs):
        raise OSError("the mail server is down")

    monkeypatch.setattr(announce, "send_mass_mail", broken)
    with pytest.raises(OSError):
        tasks.announce_to_tenant(str(version.pk), str(tenant_a.tenant.pk))
    assert not Notice.objects.filter(kind="policy_version.published").exists()
    monkeypatch.undo()
    assert tasks.announce_to_tenant(str(version.pk), str(tenant_a.tenant.pk)) is True
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(kind="policy_version.published").count() == 1


def test_a_draft_is_announced_to_nobody(tenant_a, version):
    assert tasks.announce_version(str(version.pk)) == 0
    assert tasks.announce_to_tenant(str(version.pk), str(tenant_a.tenant.pk)) is False
    assert mail.outbox == []
