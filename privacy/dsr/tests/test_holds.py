# ruff: noqa: F811 - fixtures imported from other apps' tests are parameters here
"""Legal holds: set and released by owners only, on record, listed on the
owner's settings page; while one is active, erasure is refused (test_erasure)."""

import pytest

from audit.models import AuditEvent
from conversations.tests.conftest import conversation_a, widget_a  # noqa: F401 - fixtures
from conversations.tests.factories import ContactFactory
from instaply.errors import Conflict, Forbidden
from privacy.dsr.holds import legal_hold_release, legal_hold_set
from privacy.dsr.models import LegalHold
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db


def test_only_an_owner_sets_a_hold_and_one_at_a_time(tenant_a, conversation_a):
    contact = conversation_a.contact
    for role in (Role.ADMIN, Role.PRIVACY, Role.AGENT):
        with pytest.raises(Forbidden):
            legal_hold_set(membership=tenant_a.members[role], contact=contact, reason="x")
    hold = legal_hold_set(membership=tenant_a.owner, contact=contact, reason="Tax audit")
    with pytest.raises(Conflict):
        legal_hold_set(membership=tenant_a.owner, contact=contact, reason="Again")
    event = AuditEvent.objects.get(action="privacy.legal_hold_set")
    assert event.target_id == str(hold.pk) and "Tax audit" not in str(event.metadata)
    with pytest.raises(Forbidden):
        legal_hold_release(membership=tenant_a.members[Role.ADMIN], hold=hold)
    legal_hold_release(membership=tenant_a.owner, hold=hold)
    with pytest.raises(Conflict):
        legal_hold_release(membership=tenant_a.owner, hold=hold)
    assert AuditEvent.objects.filter(action="privacy.legal_hold_released").exists()
    # Released, a new hold can be set.
    legal_hold_set(membership=tenant_a.owner, contact=contact, reason="Litigation")


def test_the_owner_page_lists_sets_and_releases_holds(tenant_a, conversation_a):
    client = verified_client(tenant_a.owner.user)
    link = f"https://app.example/c/{conversation_a.id}/"
    response = client.post("/settings/legal-holds/", {"contact": link, "reason": "Dispute 42"})
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.contact == conversation_a.contact and hold.set_by == tenant_a.owner
    page = client.get("/settings/legal-holds/").content.decode()
    assert "Dispute 42" in page and conversation_a.contact.name in page
    response = client.post(f"/settings/legal-holds/{hold.id}/release")
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None
    assert "Dispute 42" not in client.get("/settings/legal-holds/").content.decode()


def test_the_page_is_the_owners_and_ids_stay_in_the_tenant(tenant_a, tenant_b, conversation_a):
    admin = verified_client(tenant_a.members[Role.ADMIN].user)
    assert admin.get("/settings/legal-holds/").status_code == 403
    owner = verified_client(tenant_a.owner.user)
    stranger = ContactFactory(tenant=tenant_b.tenant)
    response = owner.post(
        "/settings/legal-holds/", {"contact": str(stranger.id), "reason": "Not ours"}
    )
    assert response.status_code == 400 and not LegalHold.objects.exists()
    assert "No contact of this workspace" in response.content.decode()
    response = owner.post("/settings/legal-holds/", {"contact": str(conversation_a.contact.id)})
    assert response.status_code == 400 and not LegalHold.objects.exists()


def test_the_page_is_in_french(tenant_a, conversation_a):
    client = verified_client(tenant_a.owner.user)
    page = client.get("/settings/legal-holds/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Gels juridiques" in page and "Poser un gel juridique" in page
