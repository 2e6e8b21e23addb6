"""Which of our numbers (and so which tenant and secret) a webhook is for.

Only our records decide: the Messaging Service or number and the account the
request names must be ours, and the signature made with that account's secret
is what makes the request trusted. A number of a tenant's own account that we
do not know is kept under that tenant; one of the platform's account that no
tenant holds is kept encrypted for operators; anything else cannot be checked.
"""

from channels_sms import selectors
from channels_sms.models import TWILIO_PROTOCOL, Provider
from channels_sms.providers import credentials_of, platform_credentials
from channels_sms.providers.vonage import e164
from channels_sms.services.deliveries import Route


def _routed(number) -> Route | None:
    credentials = credentials_of(number.account)
    if credentials is None:
        return None
    return Route(number.provider, credentials, number.tenant_id, number)


def _unknown_number(providers, account_ref: str) -> Route | None:
    account = selectors.route_account(providers=providers, account_ref=account_ref)
    if account is not None:
        credentials = credentials_of(account)
        return Route(account.provider, credentials, account.tenant_id) if credentials else None
    platform = platform_credentials(providers[0])
    if platform is not None and platform.account_ref == account_ref:
        return Route(providers[0], platform)
    return None


def twilio_route(params, *, own_number_field: str) -> Route | None:
    """``own_number_field``: "To" for inbound texts, "From" for status callbacks."""
    account_sid = params.get("AccountSid", "")
    number = selectors.route_twilio(
        account_sid=account_sid,
        messaging_service_sid=params.get("MessagingServiceSid", ""),
        number=params.get(own_number_field, ""),
    )
    if number is not None:
        return _routed(number)
    return _unknown_number(TWILIO_PROTOCOL, account_sid)


def vonage_route(params, *, own_number_field: str) -> Route | None:
    """``own_number_field``: "to" for inbound texts and delivery receipts alike."""
    number = selectors.route_vonage(number=e164(str(params.get(own_number_field, ""))))
    if number is not None:
        return _routed(number)
    return _unknown_number((Provider.VONAGE,), str(params.get("api-key", "")))
