"""Demo tenants for development: one of each role, stable passwords.

Passwords are derived from this checkout's SECRET_KEY, so they are stable across
runs of seed_demo, differ between machines, and are never written anywhere.
In development the roles that must use 2FA also get an authenticator whose
secret is derived the same way, so a demo owner can sign in without a phone
(seed_demo prints the secret; any TOTP app or ``oathtool`` gives the codes).
"""

import base64
import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.access import TWO_FACTOR_ROLES
from tenants.models import ApiToken, Membership, Role, Shop, Tenant, User
from tenants.services.tenancy import shop_create
from tenants.services.tokens import api_token_create

DEMO_TOKEN_NAME = "seed_demo"
DEMO_AUTHENTICATOR_NAME = "Demo authenticator (seed_demo)"
DEMO_HOURS = {day: [["09:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": [["09:00", "13:00"]]
}


def demo_password(email: str) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), f"demo-password:{email}".encode(), hashlib.sha256)
    return "demo-" + base64.urlsafe_b64encode(mac.digest()).decode()[:14]


def demo_totp_key(email: str) -> bytes:
    """20 bytes, the usual TOTP secret size, stable for this checkout."""
    mac = hmac.new(settings.SECRET_KEY.encode(), f"demo-totp:{email}".encode(), hashlib.sha256)
    return mac.digest()[:20]


def demo_authenticator_ensure(*, user: User) -> str:
    """Gives a demo person a confirmed authenticator; returns its base32 secret."""
    key = demo_totp_key(user.email)
    device = TOTPDevice.objects.filter(user=user, name=DEMO_AUTHENTICATOR_NAME).first()
    if device is None:
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(
            user=user, name=DEMO_AUTHENTICATOR_NAME, key=key.hex(), confirmed=True
        )
    elif device.key != key.hex() or not device.confirmed:
        device.key, device.confirmed = key.hex(), True
        device.save(update_fields=["key", "confirmed"])
    return base64.b32encode(key).decode()


@transaction.atomic
def demo_tenant_ensure(*, name: str) -> dict:
    """Creates (or brings back to its seeded state) a demo tenant and its people."""
    slug = slugify(name)[:60]
    tenant, _ = Tenant.objects.get_or_create(slug=slug, defaults={"name": name})
    shop = Shop.objects.for_tenant(tenant).order_by("created_at").first()
    if shop is None:
        shop = shop_create(
            tenant=tenant,
            name=f"{name} — Main Street",
            time_zone="Europe/Paris",
            business_hours=DEMO_HOURS,
        )
    people = {}
    for role in Role.values:
        email = f"{role}@{slug}.example"
        password = demo_password(email)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, full_name=f"Demo {role.title()}")
        elif not user.check_password(password) or not user.is_active:
            user.set_password(password)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        membership, created = Membership.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, user=user, defaults={"role": role}
        )
        if not created and (membership.role != role or membership.revoked_at):
            membership.role, membership.revoked_at = role, None
            membership.save(update_fields=["role", "revoked_at"])
        people[role] = {"membership": membership, "email": email, "password": password}
        # Development only: a known authenticator secret is a demo convenience,
        # never something a real deployment may hold.
        if role in TWO_FACTOR_ROLES and settings.ENVIRONMENT == "development":
            people[role]["totp_secret"] = demo_authenticator_ensure(user=user)
    return {"tenant": tenant, "shop": shop, "people": people}


@transaction.atomic
def demo_tokens_refresh(*, people: dict) -> dict[str, str]:
    """A fresh API token per role; the previous seed tokens are revoked."""
    tokens = {}
    for role, person in people.items():
        membership = person["membership"]
        ApiToken.objects.for_tenant(membership.tenant_id).filter(
            membership=membership, name=DEMO_TOKEN_NAME, revoked_at__isnull=True
        ).delete()
        _, raw = api_token_create(membership=membership, name=DEMO_TOKEN_NAME)
        tokens[role] = raw
    return tokens
