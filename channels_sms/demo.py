"""Demo SMS numbers for development: one per provider, all answered by the simulator.

Numbers come from fictional ranges, the first free one from a place derived
from the tenant; when a range is full, DemoNumbersExhausted says so.

Credentials are derived from this checkout's SECRET_KEY and the tenant, like the
demo passwords: stable across runs, different on every machine, never written
down by us. seed_demo prints them so a developer can sign a webhook by hand.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import transaction

from channels_sms.models import PhoneNumber, Provider, ProviderAccount, SignatureMethod
from channels_sms.webhooks.addresses import webhook_urls


def _derived(tenant, label: str, length: int) -> str:
    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"demo-sms:{tenant.slug}:{label}".encode(), hashlib.sha256
    )
    return mac.hexdigest()[:length]


# Fictional ranges, never assigned to real phones: +1 202 555-0100 to -0199 (NANP)
# and +44 7700 900000 to 900999 (Ofcom's drama numbers).
_NANP = tuple(f"+120255501{n:02d}" for n in range(100))
_OFCOM = tuple(f"+447700900{n:03d}" for n in range(1000))
FICTIONAL_RANGES = {
    Provider.SIMULATOR: ("+1 202 555-0100 to -0199", _NANP),
    Provider.TWILIO: ("+1 202 555-0100 to -0199", _NANP),
    Provider.VONAGE: ("+44 7700 900000 to 900999", _OFCOM),
}


class DemoNumbersExhausted(Exception):
    """Every number of a fictional range is held by some tenant already."""


def _free_number(tenant, provider: str) -> str:
    """The first number of the provider's fictional range that no row holds,
    starting from a place derived from the tenant so demo tenants spread out."""
    label, numbers = FICTIONAL_RANGES[provider]
    # Across tenants on purpose: a number held by any tenant (even inactive, its
    # texts are kept and routed by number) is not free. Development data only.
    taken = set(
        PhoneNumber.objects.dangerously_unscoped(
            reason="a demo number is free only if no tenant holds it"
        )
        .filter(number__in=numbers)
        .values_list("number", flat=True)
    )
    start = int(_derived(tenant, f"numbers:{provider}", 8), 16) % len(numbers)
    for offset in range(len(numbers)):
        candidate = numbers[(start + offset) % len(numbers)]
        if candidate not in taken:
            return candidate
    raise DemoNumbersExhausted(
        f"No free demo number for {provider}: all {len(numbers)} fictional numbers "
        f"{label} are already held by tenants of this database. Seed into a fresh "
        "database, or reuse an existing demo tenant's name."
    )


def _credentials(tenant) -> dict[str, dict]:
    return {
        Provider.SIMULATOR: {
            "account_ref": "AC" + _derived(tenant, "simulator-sid", 32),
            "auth_token": _derived(tenant, "simulator-token", 32),
        },
        Provider.TWILIO: {
            "account_ref": "AC" + _derived(tenant, "twilio-sid", 32),
            "auth_token": _derived(tenant, "twilio-token", 32),
        },
        Provider.VONAGE: {
            "account_ref": _derived(tenant, "vonage-key", 8),
            "auth_token": _derived(tenant, "vonage-secret", 16),
            "signature_secret": _derived(tenant, "vonage-signature", 32),
            "signature_method": SignatureMethod.SHA256,
        },
    }


@transaction.atomic
def demo_numbers_ensure(*, tenant, shop) -> list[dict]:
    """Gives the demo shop one number per provider (idempotent); returns them
    with their credentials and webhook addresses."""
    seeded = []
    for provider, fields in _credentials(tenant).items():
        account = _account_ensure(tenant, provider, fields)
        number = _number_ensure(tenant, shop, account)
        seeded.append(_describe(account, number, fields))
    return seeded


def _account_ensure(tenant, provider: str, fields: dict) -> ProviderAccount:
    account = (
        ProviderAccount.objects.for_tenant(tenant)
        .filter(provider=provider, account_ref=fields["account_ref"])
        .first()
    )
    if account is None:
        account = ProviderAccount(tenant=tenant, provider=provider, name=f"Demo {provider}")
    account.account_ref = fields["account_ref"]
    account.auth_token = fields["auth_token"]
    account.signature_secret = fields.get("signature_secret")
    account.signature_method = fields.get("signature_method", SignatureMethod.SHA256)
    account.active = True
    account.save()
    return account


def _number_ensure(tenant, shop, account: ProviderAccount) -> PhoneNumber:
    """The demo account's number (the one it had, so seeding again changes
    nothing), or a free one from the fictional range."""
    number = (
        PhoneNumber.objects.for_tenant(tenant)
        .filter(account=account, number__in=FICTIONAL_RANGES[account.provider][1])
        .order_by("-active", "created_at")
        .first()
    )
    if number is None:
        number = PhoneNumber(tenant=tenant, number=_free_number(tenant, account.provider))
    number.shop, number.account, number.provider = shop, account, account.provider
    number.messaging_service_sid = ""
    if not number.active:
        number.active, number.deactivated_at = True, None
    number.save()
    return number


def _describe(account: ProviderAccount, number: PhoneNumber, fields: dict) -> dict:
    described = {
        "id": str(number.pk),
        "provider": account.provider,
        "number": number.number,
        "webhooks": webhook_urls(account.provider),
    }
    if account.provider == Provider.VONAGE:
        described |= {
            "api_key": fields["account_ref"],
            "api_secret": fields["auth_token"],
            "signature_secret": fields["signature_secret"],
            "signature_method": fields["signature_method"],
        }
    else:
        described |= {"account_sid": fields["account_ref"], "auth_token": fields["auth_token"]}
    return described


def simulator_accounts() -> list[dict]:
    """Every provider account of every tenant, as the simulator's `--accounts`
    file wants them, webhooks pointing at PUBLIC_BASE_URL. Development only:
    it holds the accounts' secrets."""
    accounts = []
    rows = (
        ProviderAccount.objects.dangerously_unscoped(reason="the simulator plays every tenant")
        .filter(platform_owned=False, active=True)
        .prefetch_related("numbers")
    )
    for account in rows:
        urls = webhook_urls(account.provider)
        numbers = [n.number for n in account.numbers.for_tenant(account.tenant_id) if n.active]
        common = {
            "numbers": numbers,
            "inbound_webhook_url": urls["inbound"],
            "status_callback_url": urls["status"],
        }
        if account.provider == Provider.VONAGE:
            accounts.append(
                {
                    "provider": "vonage",
                    "api_key": account.account_ref,
                    "api_secret": account.auth_token,
                    "signature_secret": account.signature_secret or "",
                    "signature_method": account.signature_method,
                    **common,
                }
            )
        else:
            accounts.append(
                {
                    "provider": "twilio",
                    "account_sid": account.account_ref,
                    "auth_token": account.auth_token,
                    **common,
                }
            )
    return accounts
