"""Registry rows and SMS numbers for the records-of-processing tests.

The registry is seeded by a data migration of another part; these tests make
the rows they need themselves, so they hold whatever that seed says."""

import datetime as dt

from channels_sms.models import PhoneNumber, Provider, ProviderAccount
from compliance.models import SubProcessor

SINCE = dt.date(2020, 1, 1)
REGISTRY = {
    "twilio": ("Twilio", "US", SubProcessor.Safeguard.SCC_DPF),
    "vonage": ("Vonage", "GB", SubProcessor.Safeguard.ADEQUACY),
    "hosting": ("Hosting", "FR", SubProcessor.Safeguard.EU),
}


def subprocessor(code: str) -> SubProcessor:
    name, country, safeguard = REGISTRY[code]
    entry, _ = SubProcessor.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "purpose_en": f"{name} purpose",
            "purpose_fr": f"Finalité de {name}",
            "data_categories": ["message_content", "contact_details"],
            "country": country,
            "safeguard": safeguard,
            "since": SINCE,
        },
    )
    return entry


def registry() -> None:
    for code in REGISTRY:
        subprocessor(code)


def provider_account(world, provider: str) -> ProviderAccount:
    """The tenant's account on ``provider`` (its secrets create the tenant's key)."""
    account = ProviderAccount.objects.filter(tenant=world.tenant, provider=provider).first()
    return account or ProviderAccount.objects.create(
        tenant=world.tenant,
        provider=provider,
        account_ref=f"{provider}-{world.tenant.slug}",
        auth_token="secret",
        signature_secret="signature-secret" if provider == Provider.VONAGE else "",
    )


def sms_number(world, provider: str, number: str) -> PhoneNumber:
    account = provider_account(world, provider)
    return PhoneNumber.objects.create(
        tenant=world.tenant, shop=world.shop, account=account, provider=provider, number=number
    )
