import json
from base64 import b32decode
from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.oath import totp
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
    signed_in = client.post("/login/", {"username": owner["email"], "password": owner["password"]})
    assert signed_in.status_code == 302
    # Owners have a second step; the printed secret gives its code (as any TOTP app would).
    assert signed_in["Location"].startswith("/login/verify/")
    code = f"{totp(b32decode(owner['totp_secret'])):06d}"
    assert client.post("/login/verify/", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    assert {r for r, login in data["logins"].items() if login["totp_secret"]} == {
        "owner",
        "admin",
        "privacy",
    }
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


def test_seed_demo_gives_no_known_authenticator_outside_development(settings):
    settings.ENVIRONMENT = "test"
    data = json.loads(_seed("--json"))
    assert all(login["totp_secret"] is None for login in data["logins"].values())


def test_seed_demo_text_output_shows_the_second_step():
    out = _seed()
    assert "secret" in out and "code now" in out
