"""Revocation, role changes and deactivation bite on the very next request."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tenants.models import Role
from tenants.services.tokens import api_token_create
from tenants.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_with_live_session_and_token(tenant_a):
    agent = tenant_a.members[Role.AGENT]
    browser = Client()
    assert (
        browser.post(
            "/login/", {"username": agent.user.email, "password": TEST_PASSWORD}
        ).status_code
        == 302
    )
    _, raw = api_token_create(membership=agent, name="integration")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert browser.get("/api/v1/me").status_code == 200
    assert browser.get("/").status_code == 200
    assert api.get("/api/v1/me").status_code == 200
    return agent, browser, api


def test_revoking_a_membership_stops_its_session_and_token_at_once(
    tenant_a, agent_with_live_session_and_token
):
    agent, browser, api = agent_with_live_session_and_token
    response = tenant_a.client(Role.ADMIN).post(f"/api/v1/members/{agent.id}/revoke")
    assert response.status_code == 200

    assert api.get("/api/v1/me").status_code == 401
    assert browser.get("/api/v1/me").status_code == 404
    page = browser.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/login/")


def test_deactivating_the_user_stops_everything(agent_with_live_session_and_token):
    agent, browser, api = agent_with_live_session_and_token
    agent.user.is_active = False
    agent.user.save(update_fields=["is_active"])
    assert api.get("/api/v1/me").status_code == 401
    assert browser.get("/api/v1/me").status_code in (401, 403)
    assert browser.get("/")["Location"].startswith("/login/")


def test_a_role_change_applies_to_the_next_request(tenant_a, agent_with_live_session_and_token):
    agent, browser, api = agent_with_live_session_and_token
    assert api.post("/api/v1/shops", {"name": "Annex"}, format="json").status_code == 403
    tenant_a.client().patch(f"/api/v1/members/{agent.id}", {"role": "admin"}, format="json")
    assert api.post("/api/v1/shops", {"name": "Annex"}, format="json").status_code == 201
    assert api.get("/api/v1/me").json()["role"] == "admin"


def test_revocation_in_one_tenant_leaves_the_other(tenant_a, tenant_b):
    from tenants.tests.factories import MembershipFactory

    person = tenant_a.members[Role.AGENT].user
    in_b = MembershipFactory(tenant=tenant_b.tenant, user=person, role=Role.VIEWER)
    _, raw_b = api_token_create(membership=in_b, name="b")
    api_b = APIClient()
    api_b.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_b}")
    tenant_a.client().post(f"/api/v1/members/{tenant_a.members[Role.AGENT].id}/revoke")
    assert api_b.get("/api/v1/me").json()["tenant"]["slug"] == tenant_b.tenant.slug
