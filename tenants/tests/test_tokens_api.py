import pytest
from rest_framework.test import APIClient

from tenants import credentials
from tenants.models import ApiToken, Role

pytestmark = pytest.mark.django_db


def _bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_token_is_shown_once_and_stored_as_a_digest(tenant_a):
    response = tenant_a.client(Role.AGENT).post("/api/v1/tokens", {"name": "zapier"}, format="json")
    assert response.status_code == 201
    raw = response.json()["token"]
    stored = ApiToken.objects.get(pk=response.json()["id"])
    assert stored.token_hash == credentials.digest(raw)
    assert raw not in {stored.token_hash, stored.prefix}
    listed = tenant_a.client(Role.AGENT).get("/api/v1/tokens").json()["results"]
    assert all("token" not in item for item in listed)


def test_use_records_last_used_and_revocation_stops_it(tenant_a):
    raw = tenant_a.client(Role.AGENT).post("/api/v1/tokens", {"name": "ci"}, format="json").json()
    client = _bearer(raw["token"])
    assert client.get("/api/v1/me").status_code == 200
    assert ApiToken.objects.get(pk=raw["id"]).last_used_at is not None
    assert client.delete(f"/api/v1/tokens/{raw['id']}").status_code == 204
    refused = client.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"


def test_members_see_their_own_tokens_and_admins_see_all(tenant_a):
    agent, viewer = tenant_a.client(Role.AGENT), tenant_a.client(Role.VIEWER)
    viewer_token = viewer.post("/api/v1/tokens", {"name": "mine"}, format="json").json()
    agent_ids = {t["id"] for t in agent.get("/api/v1/tokens").json()["results"]}
    assert viewer_token["id"] not in agent_ids
    assert agent.delete(f"/api/v1/tokens/{viewer_token['id']}").status_code == 404
    admin_ids = {
        t["id"] for t in tenant_a.client(Role.ADMIN).get("/api/v1/tokens").json()["results"]
    }
    assert viewer_token["id"] in admin_ids


def test_garbage_and_unknown_tokens_are_401(anonymous):
    for header in ("Bearer nope", "Bearer ipt_doesnotexist"):
        anonymous.credentials(HTTP_AUTHORIZATION=header)
        assert anonymous.get("/api/v1/me").status_code == 401


def test_no_credentials_is_401(anonymous):
    response = anonymous.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
