"""Settings → Privacy requests: filing, following, answering and cancelling."""

import datetime as dt

import pytest

from privacy.dsr import services
from privacy.dsr.models import DataSubjectRequest
from privacy.dsr.tests.helpers import contact_with, dpo
from tenants.models import Role
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db


def _form(**changes):
    return {
        "request_type": "erasure",
        "phone": "+33612345678",
        "email": "",
        "contact_id": "",
        "subject_asked_on": "2026-03-01",
        "identity_verified": "on",
        "notes": "",
        "purpose": "",
        "idempotency_key": "page-key-1",
        **changes,
    }


@pytest.fixture
def officer_browser(tenant_a):
    return verified_client(tenant_a.members[Role.PRIVACY].user)


def test_a_privacy_officer_files_and_follows_a_request(tenant_a, officer_browser):
    contact_with(tenant_a, phone="+33612345678")
    form = officer_browser.get("/settings/privacy/new")
    assert form.status_code == 200 and 'name="idempotency_key"' in form.content.decode()

    filed = officer_browser.post("/settings/privacy/new", _form())
    dsr = DataSubjectRequest.objects.for_tenant(tenant_a.tenant).get()
    assert filed.status_code == 302 and filed["Location"] == f"/settings/privacy/{dsr.pk}/"
    # The form sent twice (a double click) files one request.
    officer_browser.post("/settings/privacy/new", _form())
    assert DataSubjectRequest.objects.for_tenant(tenant_a.tenant).count() == 1

    listing = officer_browser.get("/settings/privacy/").content.decode()
    assert "Erasure" in listing and "Received" in listing and "working time" in listing
    detail = officer_browser.get(f"/settings/privacy/{dsr.pk}/").content.decode()
    assert "History" in detail and "Cancel this request" in detail
    assert "+33612345678" not in detail

    officer_browser.post(f"/settings/privacy/{dsr.pk}/cancel")
    assert DataSubjectRequest.objects.for_tenant(tenant_a.tenant).get().state == "cancelled"


def test_a_filing_error_is_shown_and_nothing_is_filed(tenant_a, officer_browser):
    page = officer_browser.post("/settings/privacy/new", _form(phone="abc"))
    assert page.status_code == 200
    assert "phone number is not valid" in page.content.decode()
    unverified = officer_browser.post("/settings/privacy/new", _form(identity_verified=""))
    assert unverified.status_code == 200
    assert not DataSubjectRequest.objects.for_tenant(tenant_a.tenant).exists()


def test_a_paused_request_is_answered_on_its_page(tenant_a, officer_browser):
    officer_browser.post("/settings/privacy/new", _form(phone="+33699999999"))
    dsr = DataSubjectRequest.objects.for_tenant(tenant_a.tenant).get()
    page = officer_browser.get(f"/settings/privacy/{dsr.pk}/").content.decode()
    assert "The platform is waiting on you" in page and "match nobody" in page

    still = officer_browser.post(f"/settings/privacy/{dsr.pk}/answer", {"phone": "+33688888888"})
    assert still.status_code == 200 and "match nobody" in still.content.decode()

    contact = contact_with(tenant_a, email="ana@example.org")
    answered = officer_browser.post(
        f"/settings/privacy/{dsr.pk}/answer", {"contact_id": str(contact.pk), "note": "Same"}
    )
    assert answered.status_code == 302
    assert not DataSubjectRequest.objects.for_tenant(tenant_a.tenant).get().paused


def test_the_rejection_reason_is_shown_in_french(tenant_a, officer_browser):
    contact_with(tenant_a, phone="+33612345678")
    officer_browser.post("/settings/privacy/new", _form())
    dsr = DataSubjectRequest.objects.for_tenant(tenant_a.tenant).get()
    services.dsr_reject(staff=dpo(), dsr=dsr, reason="Manifestly unfounded.")
    person = tenant_a.members[Role.PRIVACY].user
    person.language = "fr"
    person.save(update_fields=["language"])
    page = officer_browser.get(f"/settings/privacy/{dsr.pk}/").content.decode()
    assert "Rejetée" in page and "Manifestly unfounded." in page
    assert "Demandes de confidentialité" in page


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT, Role.VIEWER])
def test_other_roles_cannot_open_the_pages(tenant_a, role):
    browser = verified_client(tenant_a.members[role].user)
    assert browser.get("/settings/privacy/").status_code == 403
    assert browser.post("/settings/privacy/new", _form()).status_code == 403
    assert "Privacy requests" not in browser.get("/settings/tokens/").content.decode()


def test_another_tenants_request_is_a_404(tenant_a, tenant_b, officer_browser):
    contact_with(tenant_b, phone="+33612345678")
    theirs, _ = services.dsr_file(
        membership=tenant_b.owner,
        request_type="erasure",
        phone="+33612345678",
        subject_asked_on=dt.date(2026, 3, 1),
        identity_verified=True,
    )
    assert officer_browser.get(f"/settings/privacy/{theirs.pk}/").status_code == 404
    assert officer_browser.post(f"/settings/privacy/{theirs.pk}/cancel").status_code == 404
    assert DataSubjectRequest.objects.for_tenant(tenant_b.tenant).get().state == "received"
