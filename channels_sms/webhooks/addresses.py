"""The public addresses of our webhooks, as providers must be told them."""

from django.conf import settings
from django.urls import reverse

from channels_sms.models import Provider


def webhook_url(name: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse(f"sms-webhooks:{name}")


def webhook_urls(provider: str) -> dict:
    """{"inbound": ..., "status": ...} for a provider account."""
    family = "vonage" if provider == Provider.VONAGE else "twilio"
    return {"inbound": webhook_url(f"{family}-sms"), "status": webhook_url(f"{family}-status")}
