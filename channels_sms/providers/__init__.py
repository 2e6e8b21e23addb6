"""The SMS providers, behind one small interface (providers/base.py).

settings.SMS_PROVIDERS names the provider class of each kind by dotted path:
production registers Twilio and Vonage; development and tests register the
stand-ins of a development tool there instead, without this package knowing
them. A kind not registered is unavailable: its sends fail for good and its
webhooks are refused.
"""

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from channels_sms.models import Provider, ProviderAccount
from channels_sms.providers.base import Credentials, SendError, UnavailableProvider

__all__ = ["Credentials", "SendError", "credentials_of", "platform_credentials", "provider_for"]


@functools.cache
def _provider(path: str):
    return import_string(path)()


def provider_for(kind: str):
    # Looked up on each call, so a test that changes the setting is obeyed.
    path = settings.SMS_PROVIDERS.get(kind)
    return _provider(path) if path else UnavailableProvider(kind)


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
    """The account's credentials: its own encrypted secrets, or the platform's."""
    if account.platform_owned:
        return platform_credentials(account.provider)
    return Credentials(
        account.account_ref,
        account.auth_token or "",
        account.signature_secret or "",
        account.signature_method,
    )
