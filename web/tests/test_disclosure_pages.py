"""Settings → Disclosures to authorities: owners only, told entries only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from platform_staff.services.disclosures import disclosure_mark_informed, disclosure_record
from platform_staff.tests.disclosure_helpers import platform_person
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db
URL = "/settings/disclosures/"


def entry(staff, tenant, authority, *, told=True):
    today = timezone.now().date()
    extra = {} if told else {"withheld_reason": "Gag", "inform_by": today + dt.timedelta(days=5)}
    return disclosure_record(
        staff=staff,
        tenant=tenant,
        disclosed_on=today,
        authority=authority,
        legal_basis="Art. 60-1 CPP",
        data_scope="Messages of one contact",
        tenant_informed=told,
        **extra,
    )


def test_the_url_is_named():
    assert reverse("web:disclosures") == URL


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT, Role.VIEWER, Role.PRIVACY])
def test_only_owners_may_read_it(tenant_a, role):
    client = verified_client(tenant_a.members[role].user)
    assert client.get(URL).status_code == 403
    assert "Disclosures to authorities" not in client.get("/settings/tokens/").content.decode()


def test_owners_see_told_entries_only_and_each_view_is_audited(tenant_a):
    security = platform_person("security")
    told = entry(security, tenant_a.tenant, "Parquet de Paris")
    hidden = entry(security, tenant_a.tenant, "Secret Court", told=False)
    client = verified_client(tenant_a.owner.user)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Parquet de Paris" in html and str(told.pk) in html
    assert "Secret Court" not in html and str(hidden.pk) not in html and "Gag" not in html
    assert 'href="/settings/disclosures/"' in html  # the settings menu shows it to owners
    [viewed] = AuditEvent.objects.for_tenant(tenant_a.tenant).filter(action="disclosures.viewed")
    assert viewed.metadata == {"entries": 1}
    assert viewed.actor_member_id == tenant_a.owner.pk

    disclosure_mark_informed(staff=security, disclosure=hidden)
    assert "Secret Court" in client.get(URL).content.decode()


def test_an_owner_of_b_never_sees_entries_of_a(tenant_a, tenant_b):
    security = platform_person("security")
    entry(security, tenant_a.tenant, "Authority of Alpha")
    html = verified_client(tenant_b.owner.user).get(URL).content.decode()
    assert "Authority of Alpha" not in html
    assert "No disclosures to tell you about." in html
