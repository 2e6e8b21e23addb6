"""Console → a tenant's records of processing: the platform's DPO only."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.actions import RECORDS_EXPORTED
from audit.models import AuditEvent
from compliance.records.snapshot import records_refresh
from platform_staff.tests.console_helpers import console_client, make_platform_person
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot(tenant_a):
    return records_refresh(tenant_a.tenant.pk, now=timezone.now())


def urls(tenant, snapshot):
    return [
        reverse("platform:records", args=[tenant.pk]),
        reverse("platform:records-version", args=[tenant.pk, snapshot.pk]),
        reverse("platform:records-json", args=[tenant.pk, snapshot.pk]),
    ]


def test_the_dpo_reads_a_tenants_records_and_history(tenant_a, snapshot):
    client = console_client(make_platform_person(("dpo",)))
    tenants = client.get(reverse("platform:tenants")).content.decode()
    assert reverse("platform:records", args=[tenant_a.tenant.pk]) in tenants  # the link
    response = client.get(reverse("platform:records", args=[tenant_a.tenant.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Alpha Shoes" in html and 'id="record" data-version="1"' in html
    assert '<tr data-version="1">' in html
    assert (
        "Mesures de sécurité"
        in client.get(
            reverse("platform:records", args=[tenant_a.tenant.pk]) + "?lang=fr"
        ).content.decode()
    )


def test_the_dpos_download_is_audited_on_the_tenants_chain(tenant_a, snapshot):
    dpo = make_platform_person(("dpo",))
    response = console_client(dpo).get(
        reverse("platform:records-json", args=[tenant_a.tenant.pk, snapshot.pk])
    )
    assert json.loads(response.content)["version"] == 1
    [event] = AuditEvent.objects.for_tenant(tenant_a.tenant).filter(action=RECORDS_EXPORTED)
    assert event.actor_kind == "platform_staff" and event.actor_id == str(dpo.user.pk)


def test_support_gets_404_and_no_link(tenant_a, snapshot):
    client = console_client(make_platform_person(("support",)))
    assert "/records/" not in client.get(reverse("platform:tenants")).content.decode()
    for url in urls(tenant_a.tenant, snapshot):
        assert client.get(url).status_code == 404


def test_a_tenant_member_gets_404(tenant_a, snapshot):
    client = verified_client(tenant_a.owner.user)
    for url in urls(tenant_a.tenant, snapshot):
        assert client.get(url).status_code == 404


def test_a_version_under_another_tenant_is_a_404(tenant_a, tenant_b, snapshot):
    client = console_client(make_platform_person(("dpo",)))
    wrong = reverse("platform:records-version", args=[tenant_b.tenant.pk, snapshot.pk])
    assert client.get(wrong).status_code == 404
    assert tenant_b.members[Role.OWNER]  # the other tenant exists: a real mismatch
