"""Downloading an access package: who may, what is recorded, and the 7 days."""

import datetime as dt
import zipfile

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from audit.models import AuditEvent
from privacy.dsr import tasks
from privacy.dsr.downloads import delete_expired_packages
from privacy.dsr.models import AccessPackage
from privacy.dsr.package import build_access_package, package_path
from privacy.dsr.tests.package_support import access_request, add_messages, subject
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def package_storage(settings, tmp_path):
    settings.PRIVACY_PACKAGE_DIR = tmp_path / "packages"
    return settings.PRIVACY_PACKAGE_DIR


@pytest.fixture
def built(tenant_a):
    """An access request of tenant A with its package built."""
    contact, conversation = subject(tenant_a.tenant, tenant_a.shop)
    add_messages(conversation, 3)
    dsr = access_request(tenant_a.tenant, contact)
    build_access_package(dsr, contact, lambda percent: None)
    return dsr, AccessPackage.objects.for_tenant(tenant_a.tenant).get(request=dsr)


def page(dsr) -> str:
    return f"/settings/privacy/{dsr.pk}/package"


def api(dsr) -> str:
    return f"/api/v1/privacy/requests/{dsr.pk}/package"


def exported(tenant) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.for_tenant(tenant).filter(action="personal_data.exported").order_by("id")
    )


def denied(tenant) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_tenant(tenant).filter(action="access.denied"))


@pytest.mark.parametrize("role", [Role.OWNER, Role.PRIVACY])
def test_owners_and_privacy_members_download_the_package_each_time_audited(tenant_a, built, role):
    dsr, package = built
    browser = verified_client(tenant_a.members[role].user)

    first = browser.get(page(dsr))
    second = browser.get(page(dsr))

    for response in (first, second):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert response["Content-Disposition"].startswith("attachment;")
        assert f"personal-data-{dsr.pk}.zip" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
        body = b"".join(response.streaming_content)
        assert body == package_path(package).read_bytes()
    events = exported(tenant_a.tenant)
    assert len(events) == 2
    for event in events:
        assert (event.target_kind, event.target_id) == ("dsr", str(dsr.pk))
        assert event.metadata["size"] == package.size
        assert event.actor_member_id == tenant_a.members[role].pk


def test_the_api_serves_the_same_package_to_a_privacy_member(tenant_a, built):
    dsr, package = built

    response = tenant_a.client(Role.PRIVACY).get(api(dsr))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    assert body == package_path(package).read_bytes()
    assert zipfile.is_zipfile(package_path(package))
    assert len(exported(tenant_a.tenant)) == 1


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT])
def test_other_roles_are_refused_and_the_refusal_recorded(tenant_a, built, role):
    dsr, _ = built

    assert verified_client(tenant_a.members[role].user).get(page(dsr)).status_code == 403
    assert tenant_a.client(role).get(api(dsr)).status_code == 403

    assert exported(tenant_a.tenant) == []
    assert len(denied(tenant_a.tenant)) == 2


def test_another_tenants_owner_finds_nothing(tenant_a, tenant_b, built):
    dsr, _ = built

    assert verified_client(tenant_b.owner.user).get(page(dsr)).status_code == 404
    assert tenant_b.client(Role.OWNER).get(api(dsr)).status_code == 404

    assert exported(tenant_a.tenant) == [] and exported(tenant_b.tenant) == []
    assert len(denied(tenant_b.tenant)) == 2


def test_a_package_not_built_yet_is_not_ready(tenant_a):
    contact, _ = subject(tenant_a.tenant, tenant_a.shop)
    dsr = access_request(tenant_a.tenant, contact)

    response = tenant_a.client(Role.OWNER).get(api(dsr))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_ready"


def test_after_seven_days_the_package_is_gone_and_the_hourly_task_deletes_it(tenant_a, built):
    dsr, package = built
    path = package_path(package)

    # Sessions do not last 7 days: each visit signs in anew.
    with time_machine.travel(package.expires_at - dt.timedelta(minutes=1)):
        browser = verified_client(tenant_a.owner.user)
        assert delete_expired_packages() == 0
        assert browser.get(page(dsr)).status_code == 200

    with time_machine.travel(package.expires_at + dt.timedelta(minutes=1)):
        browser = verified_client(tenant_a.owner.user)
        response = browser.get(page(dsr))
        assert response.status_code == 410
        assert "can be downloaded for 7 days" in response.content.decode()
        answer = tenant_a.client(Role.PRIVACY).get(api(dsr))
        assert answer.status_code == 410
        assert answer.json()["error"]["code"] == "gone"
        refusals = [e for e in denied(tenant_a.tenant) if e.metadata.get("status") == 410]
        assert len(refusals) == 2 and refusals[0].target_id == str(dsr.pk)

        assert tasks.delete_expired_packages.delay().get() == 1
        assert not path.exists()
        package.refresh_from_db()
        assert package.deleted_at is not None
        assert delete_expired_packages() == 0  # done once
        assert browser.get(page(dsr)).status_code == 410
    assert len(exported(tenant_a.tenant)) == 1  # only the download within the 7 days


def test_the_deletion_runs_hourly():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["privacy.delete_expired_packages"]
    assert schedule == {"task": "privacy.delete_expired_packages", "schedule": 3600}


def test_an_expired_package_is_gone_even_before_the_task_ran(tenant_a, built):
    dsr, package = built
    AccessPackage.objects.for_tenant(tenant_a.tenant).filter(pk=package.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert tenant_a.client(Role.OWNER).get(api(dsr)).status_code == 410
