"""The SMS providers, behind one small interface (providers/base.py)."""

from django.conf import settings

from channels_sms.models import Provider, ProviderAccount
from channels_sms.providers.base import Credentials, SendError
from channels_sms.providers.twilio import SimulatorProvider, TwilioProvider
from channels_sms.providers.vonage import VonageProvider

_PROVIDERS = {
    Provider.TWILIO: TwilioProvider(),
    Provider.VONAGE: VonageProvider(),
    Provider.SIMULATOR: SimulatorProvider(),
}

__all__ = ["Credentials", "SendError", "credentials_of", "platform_credentials", "provider_for"]


def provider_for(kind: str):
    return _PROVIDERS[kind]


def platform_credentials(provider: str) -> Credentials | None:
    """The platform's own account of a provider, from settings; None when not configured."""
    if provider == Provider.TWILIO and settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN:
        return Credentials(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    if provider == Provider.VONAGE and settings.VONAGE_API_KEY and settings.VONAGE_API_SECRET:
        return Credentials(
            settings.VONAGE_API_KEY,
            settings.VONAGE_API_SECRET,
            settings.VONAGE_SIGNATURE_SECRET,
            settings.VONAGE_SIGNATURE_METHOD,
        )
    return None


def credentials_of(account: ProviderAccount) -> Credentials | None:
    """The account's credentials: its own sealed secrets, or the platform's."""
    if account.platform_owned:
        return platform_credentials(account.provider)
    return Credentials(
        account.account_ref,
        account.auth_token or "",
        account.signature_secret or "",
        account.signature_method,
    )
