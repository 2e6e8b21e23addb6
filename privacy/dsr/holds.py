"""Legal holds: a tenant owner keeps a contact's data from erasure (litigation,
a tax audit), with a reason the DPO sees when an erasure is refused because of
it. One active hold per contact; releasing it lets a paused erasure go on."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.recorder import Actor, record
from conversations.models import Contact
from instaply.errors import Conflict, Forbidden, Invalid
from privacy.dsr.models import LegalHold
from tenants.models import Membership
from tenants.permissions import Capability, denial_message
from tenants.scoping import require_same_tenant

MAX_REASON = 500


def _require_owner(membership: Membership) -> None:
    if not membership.can(Capability.LEGAL_HOLD):
        raise Forbidden(denial_message(membership.role, Capability.LEGAL_HOLD))


@transaction.atomic
def legal_hold_set(*, membership: Membership, contact: Contact, reason: str) -> LegalHold:
    _require_owner(membership)
    require_same_tenant(membership, contact)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Give the reason for the hold.", fields={"reason": ["Required."]})
    if len(reason) > MAX_REASON:
        raise Invalid(
            f"A reason is at most {MAX_REASON} characters.",
            fields={"reason": [f"At most {MAX_REASON} characters."]},
        )
    # The contact's row lock orders this against an erasure starting (it takes
    # the same lock to check for holds): the hold lands first, or the erasure does.
    contact = (
        Contact.objects.for_tenant(membership.tenant_id).select_for_update().get(pk=contact.pk)
    )
    if contact.erased_at is not None:
        raise Conflict("This contact is being erased or was erased.", code="erased")
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(
                tenant_id=membership.tenant_id, contact=contact, reason=reason, set_by=membership
            )
    except IntegrityError:
        raise Conflict("This contact is already under a legal hold.", code="already_held") from None
    record(
        "privacy.legal_hold_set",
        tenant=membership.tenant_id,
        actor=Actor.member(membership),
        target=("legal_hold", hold.pk),
        metadata={"contact_id": contact.pk},
    )
    return hold


@transaction.atomic
def legal_hold_release(*, membership: Membership, hold: LegalHold) -> LegalHold:
    _require_owner(membership)
    require_same_tenant(membership, hold)
    hold = LegalHold.objects.for_tenant(membership.tenant_id).select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        raise Conflict("This legal hold was already released.", code="already_released")
    hold.released_at = timezone.now()
    hold.released_by = membership
    hold.save(update_fields=["released_at", "released_by"])
    record(
        "privacy.legal_hold_released",
        tenant=membership.tenant_id,
        actor=Actor.member(membership),
        target=("legal_hold", hold.pk),
        metadata={"contact_id": hold.contact_id},
    )
    return hold


def legal_hold_list(*, tenant):
    """Active holds, newest first, with their contacts (for the owner's page)."""
    return (
        LegalHold.objects.for_tenant(tenant)
        .filter(released_at__isnull=True)
        .select_related("contact", "set_by__user")
        .order_by("-set_at")
    )
