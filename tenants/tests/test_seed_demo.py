import json
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tenants.models import Membership, Role, Shop, Tenant, User

pytestmark = pytest.mark.django_db


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent():
    _seed()
    _seed()
    tenant = Tenant.objects.get(slug="demo-bakery")
    assert tenant.name == "Demo Bakery"
    assert Shop.objects.for_tenant(tenant).count() == 1
    assert sorted(Membership.objects.for_tenant(tenant).values_list("role", flat=True)) == sorted(
        Role.values
    )
    assert User.objects.filter(email__endswith="@demo-bakery.example").count() == 5


def test_seed_demo_json_gives_working_logins_and_tokens(client):
    data = json.loads(_seed("--json"))
    assert data["tenant"] == "demo-bakery"
    assert set(data["logins"]) == set(Role.values)
    owner = data["logins"]["owner"]
    assert (
        client.post(
            "/login/", {"username": owner["email"], "password": owner["password"]}
        ).status_code
        == 302
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {data['logins']['viewer']['token']}")
    assert api.get("/api/v1/me").json()["role"] == "viewer"
    # A second --json run replaces the seed tokens.
    _seed("--json")
    assert api.get("/api/v1/me").status_code == 401


def test_seed_demo_can_create_another_tenant():
    data = json.loads(_seed("--tenant", "Corner Café", "--json"))
    assert data["tenant"] == "corner-cafe"
    assert data["logins"]["agent"]["email"] == "agent@corner-cafe.example"


def test_seed_demo_restores_a_revoked_demo_member():
    _seed()
    membership = Membership.objects.get(user__email="agent@demo-bakery.example")
    membership.revoked_at = "2026-01-01T00:00:00Z"
    membership.save(update_fields=["revoked_at"])
    _seed()
    membership.refresh_from_db()
    assert membership.revoked_at is None
