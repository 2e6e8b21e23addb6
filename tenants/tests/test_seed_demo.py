import hashlib
import hmac
import json
from base64 import b32decode
from collections import defaultdict
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils.text import slugify
from django_otp.oath import totp
from rest_framework.test import APIClient

from channels_sms.models import PhoneNumber
from platform_staff.models import PlatformStaff
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


def test_seed_demo_gives_one_platform_person_per_platform_role(client):
    data = json.loads(_seed("--json"))
    _seed()  # idempotent
    platform = data["platform"]
    assert set(platform) == {"support", "dpo", "security"}
    for role, login in platform.items():
        staff = PlatformStaff.objects.get(user__email=login["email"])
        assert staff.roles == [role] and staff.is_active
        assert (
            not Membership.objects.dangerously_unscoped(reason="test")
            .filter(user=staff.user)
            .exists()
        )
    assert PlatformStaff.objects.count() == 3
    assert platform["support"]["country"] == "CA"  # outside the EU: shows the transfer mark
    assert platform["dpo"]["country"] == platform["security"]["country"] == "FR"
    # The console: password, then a code from the printed secret.
    dpo = platform["dpo"]
    signed_in = client.post(
        "/platform/login/", {"username": dpo["email"], "password": dpo["password"]}
    )
    assert signed_in["Location"].startswith("/platform/login/verify/")
    code = f"{totp(b32decode(dpo['totp_secret'])):06d}"
    assert client.post("/platform/login/verify/", {"code": code}).status_code == 302
    assert client.get("/platform/").status_code == 200


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
    assert all(login["totp_secret"] is None for login in data["platform"].values())


def test_seed_demo_text_output_shows_the_second_step():
    out = _seed()
    assert "secret" in out and "code now" in out
    assert "support@platform.demo" in out and "/platform/" in out


def _old_demo_slot(name: str) -> int:
    """Where the numbers of a demo tenant came from before they were allocated:
    one of 33 slots derived from the tenant, so tenants could share one."""
    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"demo-sms:{slugify(name)}:numbers".encode(), hashlib.sha256
    )
    return int(mac.hexdigest()[:8], 16) % 33


def _names_sharing_a_slot(count: int) -> list[str]:
    by_slot = defaultdict(list)
    # 33 slots: among 33 * (count - 1) + 1 names, one slot holds `count` (pigeonhole).
    for n in range(33 * (count - 1) + 1):
        name = f"Shop {n}"
        by_slot[_old_demo_slot(name)].append(name)
        if len(by_slot[_old_demo_slot(name)]) == count:
            return by_slot[_old_demo_slot(name)]
    raise AssertionError("unreachable")


def test_tenants_whose_derived_numbers_collided_each_get_free_numbers():
    names = _names_sharing_a_slot(3)
    seeded = {name: json.loads(_seed("--tenant", name, "--json")) for name in names}
    numbers = [n["number"] for data in seeded.values() for n in data["phone_numbers"]]
    assert len(numbers) == len(set(numbers)) == 9
    assert all(n.startswith(("+120255501", "+447700900")) for n in numbers)
    # Seeding again keeps each tenant's numbers.
    again = json.loads(_seed("--tenant", names[1], "--json"))
    assert again["phone_numbers"] == seeded[names[1]]["phone_numbers"]


def test_a_full_fictional_range_is_a_clear_error_and_leaves_nothing_behind():
    data = json.loads(_seed("--tenant", "Range Hog", "--json"))
    held = next(n for n in data["phone_numbers"] if n["provider"] == "simulator")
    number = PhoneNumber.objects.get(pk=held["id"])
    PhoneNumber.objects.bulk_create(
        PhoneNumber(
            tenant_id=number.tenant_id, shop_id=number.shop_id, account_id=number.account_id,
            provider=number.provider, number=f"+120255501{n:02d}",
        )
        for n in range(100)
        if f"+120255501{n:02d}" not in {n["number"] for n in data["phone_numbers"]}
    )  # fmt: skip
    with pytest.raises(CommandError, match=r"all 100 fictional numbers \+1 202 555-0100"):
        _seed("--tenant", "Latecomer")
    assert not Tenant.objects.filter(slug="latecomer").exists()
    assert not User.objects.filter(email__endswith="@latecomer.example").exists()
