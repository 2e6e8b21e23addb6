import pytest

from tenants.models import Role

pytestmark = pytest.mark.django_db


def test_me_names_the_member_role_and_tenant(tenant_a):
    body = tenant_a.client(Role.VIEWER).get("/api/v1/me").json()
    assert body["role"] == "viewer"
    assert body["tenant"]["slug"] == tenant_a.tenant.slug
    assert "conversations.write" not in body["capabilities"]


def test_members_are_listed_for_any_member(tenant_a):
    response = tenant_a.client(Role.AGENT).get("/api/v1/members")
    assert response.status_code == 200
    assert {m["role"] for m in response.json()["results"]} == set(Role.values)


def test_owner_changes_a_role(tenant_a):
    agent = tenant_a.members[Role.AGENT]
    response = tenant_a.client().patch(
        f"/api/v1/members/{agent.id}", {"role": "viewer"}, format="json"
    )
    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.role == Role.VIEWER


def test_an_admin_cannot_touch_an_owner(tenant_a):
    owner = tenant_a.owner
    admin = tenant_a.client(Role.ADMIN)
    assert (
        admin.patch(f"/api/v1/members/{owner.id}", {"role": "agent"}, format="json").status_code
        == 403
    )
    assert admin.post(f"/api/v1/members/{owner.id}/revoke").status_code == 403


def test_an_admin_cannot_promote_to_owner(tenant_a):
    agent = tenant_a.members[Role.AGENT]
    response = tenant_a.client(Role.ADMIN).patch(
        f"/api/v1/members/{agent.id}", {"role": "owner"}, format="json"
    )
    assert response.status_code == 403


def test_the_last_owner_cannot_be_demoted_or_revoked(tenant_a):
    owner = tenant_a.owner
    client = tenant_a.client()
    response = client.patch(f"/api/v1/members/{owner.id}", {"role": "admin"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_owner"
    assert client.post(f"/api/v1/members/{owner.id}/revoke").status_code == 409


def test_an_unknown_role_is_a_field_error(tenant_a):
    agent = tenant_a.members[Role.AGENT]
    response = tenant_a.client().patch(
        f"/api/v1/members/{agent.id}", {"role": "god"}, format="json"
    )
    assert response.status_code == 400
    assert "role" in response.json()["error"]["fields"]


def test_a_viewer_write_is_refused_with_a_clear_json_error(tenant_a):
    agent = tenant_a.members[Role.AGENT]
    response = tenant_a.client(Role.VIEWER).post(f"/api/v1/members/{agent.id}/revoke")
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "The viewer role cannot manage staff, roles and revocation.",
        }
    }


def test_a_non_member_session_gets_404(tenant_a, tenant_b, client):
    outsider = tenant_b.members[Role.AGENT].user
    client.force_login(outsider)
    response = client.get("/api/v1/members", HTTP_X_TENANT=tenant_a.tenant.slug)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
