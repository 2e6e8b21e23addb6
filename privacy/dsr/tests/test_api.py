"""/api/v1/privacy/requests: filing, idempotency, detail, answer, cancel, scoping."""

import pytest

from privacy.dsr.models import DataSubjectRequest
from privacy.dsr.tests.helpers import contact_with
from tenants.models import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/privacy/requests"


def _body(**changes):
    return {
        "type": "erasure",
        "phone": "+33612345678",
        "subject_asked_on": "2026-03-01",
        "identity_verified": True,
        **changes,
    }


@pytest.mark.parametrize("role", [Role.OWNER, Role.PRIVACY])
def test_owners_and_privacy_officers_file_and_read(tenant_a, role):
    contact = contact_with(tenant_a, phone="+33612345678")
    client = tenant_a.client(role)
    response = client.post(URL, _body(notes="Asked at the counter."), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["type"] == "erasure" and created["state"] == "received"
    assert created["contact_id"] == str(contact.pk)
    assert created["counts"]["contacts"] == 1
    assert created["working_seconds_left"] > 0 and created["due_at"]
    assert [e["kind"] for e in created["events"]] == ["received"]
    assert "phone" not in created and "notes" not in created

    detail = client.get(f"{URL}/{created['id']}")
    assert detail.status_code == 200 and detail.json()["id"] == created["id"]
    listed = client.get(URL, {"state": "received", "type": "erasure"}).json()
    assert [r["id"] for r in listed["results"]] == [created["id"]]
    assert client.get(URL, {"type": "access"}).json()["results"] == []


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT, Role.VIEWER])
def test_other_roles_are_refused(tenant_a, role):
    client = tenant_a.client(role)
    assert client.post(URL, _body(), format="json").status_code == 403
    assert client.get(URL).status_code == 403
    assert not DataSubjectRequest.objects.for_tenant(tenant_a.tenant).exists()


def test_the_idempotency_key_header_returns_the_first_request_with_200(tenant_a):
    client = tenant_a.client()
    first = client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = client.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    in_body = client.post(URL, _body(idempotency_key="abc-1"), format="json")
    assert (first.status_code, again.status_code, in_body.status_code) == (201, 200, 200)
    assert first.json()["id"] == again.json()["id"] == in_body.json()["id"]


def test_bad_input_is_a_400_in_the_house_shape(tenant_a):
    client = tenant_a.client()
    response = client.post(URL, _body(identity_verified=False), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "identity" in error["message"]
    assert "identity_verified" in error["fields"]
    unknown = client.post(URL, _body(colour="red"), format="json")
    assert unknown.status_code == 400
    assert not DataSubjectRequest.objects.for_tenant(tenant_a.tenant).exists()


def test_a_paused_request_is_answered_then_cancelled(tenant_a):
    client = tenant_a.client(Role.PRIVACY)
    created = client.post(URL, _body(phone="+33699999999"), format="json").json()
    assert created["paused"] and "match nobody" in created["pause_reason"]
    assert created["due_at"] is None

    nobody = client.post(f"{URL}/{created['id']}/answer", {"phone": "+33688888888"}, format="json")
    assert nobody.status_code == 400

    contact = contact_with(tenant_a, email="ana@example.org")
    answered = client.post(
        f"{URL}/{created['id']}/answer",
        {"contact_id": str(contact.pk), "note": "The same person."},
        format="json",
    )
    assert answered.status_code == 200, answered.json()
    assert not answered.json()["paused"] and answered.json()["due_at"]

    cancelled = client.post(f"{URL}/{created['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert client.post(f"{URL}/{created['id']}/cancel").status_code == 409


def test_another_tenants_request_is_a_404(tenant_a, tenant_b):
    theirs = tenant_b.client().post(URL, _body(), format="json").json()
    client = tenant_a.client()
    assert client.get(f"{URL}/{theirs['id']}").status_code == 404
    assert client.post(f"{URL}/{theirs['id']}/cancel").status_code == 404
    assert (
        client.post(f"{URL}/{theirs['id']}/answer", {"note": "x"}, format="json").status_code == 404
    )
    assert client.get(URL).json()["results"] == []
    assert DataSubjectRequest.objects.for_tenant(tenant_b.tenant).get().state == "received"


def test_a_duplicate_shows_its_link(tenant_a):
    contact_with(tenant_a, phone="+33612345678")
    client = tenant_a.client()
    first = client.post(URL, _body(), format="json").json()
    second = client.post(URL, _body(), format="json").json()
    assert second["duplicate_of"] == first["id"]
    assert second["state"] == "cancelled"
    # The duplicate shows the clock of the request that is worked.
    assert second["working_seconds_left"] == pytest.approx(first["working_seconds_left"], abs=5)


def test_the_schema_documents_the_endpoints(tenant_a):
    schema = tenant_a.client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/privacy/requests" in schema["paths"]
    assert "/api/v1/privacy/requests/{dsr_id}/answer" in schema["paths"]
