"""Setting SMS up: provider accounts and the numbers shops text from.

Owners and admins do this (Capability.CHANNELS_MANAGE). Secrets go in and never
come out: the API shows whether one is set, not its value. Numbers of the
platform's own provider account are assigned by Instaply, not by tenants, or a
tenant could claim a number the platform holds for another.
"""

import contextlib

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.recorder import Actor, record
from channels_sms.models import PhoneNumber, Provider, ProviderAccount, SignatureMethod
from instaply.errors import Conflict, Forbidden, Invalid
from privacy.blind_index import normalise_phone
from tenants.models import Membership, Shop
from tenants.scoping import apply_changes, require_same_tenant

ACCOUNT_CHANGES = frozenset(
    {"name", "auth_token", "signature_secret", "signature_method", "active"}
)
NUMBER_CHANGES = frozenset({"shop", "messaging_service_sid", "active", "deactivated_at"})


def _check_account_fields(provider: str, account_ref: str, fields: dict) -> None:
    if provider in (Provider.TWILIO, Provider.SIMULATOR) and not account_ref.startswith("AC"):
        raise Invalid(
            "A Twilio AccountSid starts with AC.", fields={"account_ref": ["Starts with AC."]}
        )
    if provider == Provider.VONAGE and not fields.get("signature_secret"):
        raise Invalid(
            "Vonage webhooks are checked with the account's signature secret; give it.",
            fields={"signature_secret": ["Required for Vonage."]},
        )


@transaction.atomic
def provider_account_create(
    *,
    actor: Membership,
    provider: str,
    account_ref: str,
    auth_token: str,
    signature_secret: str = "",
    signature_method: str = SignatureMethod.SHA256,
    name: str = "",
) -> ProviderAccount:
    account_ref = account_ref.strip()
    _check_account_fields(provider, account_ref, {"signature_secret": signature_secret})
    account = ProviderAccount(
        tenant_id=actor.tenant_id,
        provider=provider,
        name=name,
        account_ref=account_ref,
        auth_token=auth_token,
        signature_secret=signature_secret or None,
        signature_method=signature_method,
    )
    try:
        with transaction.atomic():
            account.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            "This provider account is already connected.", code="account_exists"
        ) from None
    record(
        "sms_account.created",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("sms_account", account.pk),
        metadata={"provider": provider},
    )
    return account


@transaction.atomic
def provider_account_update(
    *, actor: Membership, account: ProviderAccount, **changes
) -> ProviderAccount:
    require_same_tenant(actor, account)
    if account.platform_owned:
        raise Forbidden("The platform's provider account is managed by Instaply.")
    account = (
        ProviderAccount.objects.for_tenant(actor.tenant_id).select_for_update().get(pk=account.pk)
    )
    secret = changes.get("signature_secret", account.signature_secret)
    if account.provider == Provider.VONAGE and not secret:
        raise Invalid("A Vonage account needs its signature secret.")
    apply_changes(account, changes, allowed=ACCOUNT_CHANGES)
    record(
        "sms_account.updated",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("sms_account", account.pk),
        # Names of what changed, never the values: some are secrets.
        metadata={"fields": sorted(changes)},
    )
    return account


def _normalised(number: str) -> str:
    try:
        return normalise_phone(number)
    except Invalid:
        # The phonenumbers library's reason is for developers; people get what to type.
        message = _(
            "Enter the number in international format, starting with + and the country code, "
            "e.g. +33 6 12 34 56 78."
        )
        raise Invalid(message, fields={"number": [message]}) from None


def _check_service(account: ProviderAccount, sid: str) -> None:
    if sid and (account.provider == Provider.VONAGE or not sid.startswith("MG")):
        raise Invalid(
            "A Messaging Service is Twilio's and its sid starts with MG.",
            fields={"messaging_service_sid": ["A Twilio MessagingServiceSid (MG...)."]},
        )


@transaction.atomic
def phone_number_create(
    *,
    actor: Membership,
    shop: Shop,
    account: ProviderAccount,
    number: str,
    messaging_service_sid: str = "",
) -> PhoneNumber:
    require_same_tenant(actor, shop, account)
    if account.platform_owned:
        raise Forbidden("Numbers of the platform's provider account are assigned by Instaply.")
    _check_service(account, messaging_service_sid)
    phone_number = PhoneNumber(
        tenant_id=actor.tenant_id,
        shop=shop,
        account=account,
        provider=account.provider,
        number=_normalised(number),
        messaging_service_sid=messaging_service_sid,
    )
    with _unique_number():
        phone_number.save(force_insert=True)
    record(
        "phone_number.created",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("phone_number", phone_number.pk),
        metadata={"provider": account.provider, "shop_id": shop.pk},
    )
    return phone_number


@transaction.atomic
def phone_number_update(*, actor: Membership, phone_number: PhoneNumber, **changes) -> PhoneNumber:
    """Changes shop, Messaging Service or active state (False deactivates)."""
    require_same_tenant(actor, phone_number, changes.get("shop"))
    phone_number = (
        PhoneNumber.objects.for_tenant(actor.tenant_id).select_for_update().get(pk=phone_number.pk)
    )
    if "messaging_service_sid" in changes:
        _check_service(phone_number.account, changes["messaging_service_sid"])
    if changes.get("active") is False and phone_number.active:
        changes["deactivated_at"] = timezone.now()
    elif changes.get("active") is True and not phone_number.active:
        if phone_number.account.platform_owned:
            raise Forbidden("Numbers of the platform's provider account are assigned by Instaply.")
        changes["deactivated_at"] = None
    with _unique_number():
        apply_changes(phone_number, changes, allowed=NUMBER_CHANGES)
    action = (
        "phone_number.deactivated" if changes.get("active") is False else "phone_number.updated"
    )
    record(
        action,
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("phone_number", phone_number.pk),
        metadata={"fields": sorted(changes)},
    )
    return phone_number


@contextlib.contextmanager
def _unique_number():
    """A number active twice on Instaply is a 409, inside a savepoint."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise Conflict("This number is already active on Instaply.", code="number_taken") from None
