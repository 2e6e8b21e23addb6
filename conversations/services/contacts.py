"""Contacts: found by blind index, created on first contact, updated by staff."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.recorder import Actor, record
from conversations.models import Contact, ContactIdentifier
from instaply.errors import Conflict, Invalid
from privacy.blind_index import NORMALISERS, blind_index
from privacy.policies.selectors import version_in_force
from search.services import contact_index
from tenants.models import Membership
from tenants.scoping import apply_changes, refuse_other_fields, require_same_tenant


def contact_find(*, tenant_id, kind: str, value: str) -> Contact | None:
    """Exact match on a normalised phone, email or social id, through the blind index."""
    value = NORMALISERS[kind](value) if kind in NORMALISERS else value
    return contacts_find_many(tenant_id=tenant_id, kind=kind, values=[value]).get(value)


def contacts_find_many(*, tenant_id, kind: str, values) -> dict[str, Contact]:
    """The contacts reachable at these normalised values, in one query, by value."""
    by_index = {blind_index(tenant_id, kind, value): value for value in values}
    identifiers = (
        ContactIdentifier.objects.for_tenant(tenant_id)
        .filter(kind=kind, blind_index__in=list(by_index))
        .select_related("contact")
    )
    return {by_index[i.blind_index]: i.contact for i in identifiers}


def _identify(contact: Contact, kind: str, normalised: str) -> None:
    ContactIdentifier.objects.create(
        tenant_id=contact.tenant_id,
        contact=contact,
        kind=kind,
        blind_index=blind_index(contact.tenant_id, kind, normalised),
    )


# What a channel may say about a new contact besides the way to reach it.
CREATABLE = ("name", "locale", "age_status")
# Accepted and ignored: which privacy-policy version was in force is the server's
# to say (the widget once let the visitor's browser claim one).
IGNORED = ("privacy_policy_version",)


def _new_contact(tenant_id, details: dict) -> Contact:
    details = {key: value for key, value in details.items() if key not in IGNORED}
    unknown = set(details) - set(CREATABLE)
    if unknown:
        raise TypeError(f"a new contact cannot be given {sorted(unknown)}")
    contact = Contact(tenant_id=tenant_id, **details)
    # The version in force when the data was collected (privacy.policies).
    contact.privacy_policy_version = version_in_force(contact.created_at)
    return contact


@transaction.atomic
def contact_create(*, tenant_id, **details) -> Contact:
    """A contact with no known way to reach it (a widget visitor who gave no email)."""
    contact = _new_contact(tenant_id, details)
    contact.save(force_insert=True)
    contact_index(contact)
    return contact


def contact_get_or_create(
    *, tenant_id, kind: str, value: str, defaults: dict | None = None
) -> tuple[Contact, bool]:
    """The contact reachable at ``value``, created with ``defaults`` when new.

    Safe under concurrency: the identifier's unique index decides who created it
    (a second creator waits for the first to commit, then finds its contact).
    """
    normalised = NORMALISERS[kind](value) if kind in NORMALISERS else value
    existing = contact_find(tenant_id=tenant_id, kind=kind, value=normalised)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            contact = _new_contact(tenant_id, defaults or {})
            if kind == "phone":
                contact.phone = normalised
            elif kind == "email":
                contact.email = normalised
            contact.save(force_insert=True)
            _identify(contact, kind, normalised)
            contact_index(contact)
            return contact, True
    except IntegrityError:
        return contact_find(tenant_id=tenant_id, kind=kind, value=normalised), False


def contacts_get_or_create_many(*, tenant_id, kind: str, values) -> dict[str, Contact]:
    """The contacts reachable at these normalised values, by value: found in one
    query; the few new ones created one by one (contact_get_or_create decides a
    race between two creators)."""
    found = contacts_find_many(tenant_id=tenant_id, kind=kind, values=values)
    for value in values:
        if value not in found:
            found[value], _ = contact_get_or_create(tenant_id=tenant_id, kind=kind, value=value)
    return found


def _normalised(kind: str, value: str) -> str:
    try:
        return NORMALISERS[kind](value)
    except Invalid:
        # Only a phone number can be refused; the library's reason is for developers.
        message = _(
            "Enter the number in international format, starting with + and the country "
            "code, e.g. +33 6 12 34 56 78."
        )
        raise Invalid(message, fields={kind: [message]}) from None


EDITABLE = ("name", "email", "phone", "locale", "age_status", "processing_restricted")


@transaction.atomic
def contact_update(*, actor: Membership, contact: Contact, request=None, **changes) -> Contact:
    require_same_tenant(actor, contact)
    refuse_other_fields(changes, allowed=EDITABLE)
    if "age_status" in changes:
        # Age has rules of its own (erasure of a child, parental authorisation):
        # it changes through privacy.minors only, whoever edits the contact.
        from privacy.minors.services import contact_age_set

        contact = contact_age_set(
            contact=contact,
            age_status=changes.pop("age_status"),
            membership=actor,
            request=request,
        )
        if not changes:
            return contact
    for kind in ("phone", "email"):
        if kind in changes and changes[kind]:
            changes[kind] = _normalised(kind, changes[kind])
            if contact_find(tenant_id=contact.tenant_id, kind=kind, value=changes[kind]) not in (
                None,
                contact,
            ):
                raise Invalid(
                    f"Another contact already has this {kind}.", fields={kind: ["Already in use."]}
                )
    apply_changes(contact, changes, allowed=EDITABLE)
    for kind in ("phone", "email"):
        if kind in changes:
            ContactIdentifier.objects.for_tenant(contact.tenant_id).filter(
                contact=contact, kind=kind
            ).delete()
            if changes[kind]:
                _identify(contact, kind, changes[kind])
    if {"name", "email", "phone"} & set(changes):
        contact_index(contact)
    record(
        "contact.updated",
        tenant=contact.tenant_id,
        actor=Actor.member(actor),
        target=("contact", contact.pk),
        metadata={"fields": sorted(changes)},
    )
    return contact


@transaction.atomic
def contact_set_opt_out(*, contact: Contact, channel: str, opted_out: bool, source: str) -> bool:
    """One consent state per tenant and channel. Returns whether it changed."""
    contact = Contact.objects.for_tenant(contact.tenant_id).select_for_update().get(pk=contact.pk)
    channels = set(contact.opted_out_channels)
    before = channel in channels
    if opted_out == before:
        return False
    (channels.add if opted_out else channels.discard)(channel)
    contact.opted_out_channels = sorted(channels)
    contact.save(update_fields=["opted_out_channels"])
    record(
        "contact.opted_out" if opted_out else "contact.opted_in",
        tenant=contact.tenant_id,
        actor=Actor.system(source),
        target=("contact", contact.pk),
        metadata={"channel": channel},
    )
    return True


def contact_set_age_status(*, contact: Contact, age_status: str) -> str:
    """Writes the age status of a contact locked by the caller; returns the
    previous one. privacy.minors.services is the only caller: the rules of
    minors, their audit and their consequences live there."""
    previous = contact.age_status
    if previous != age_status:
        contact.age_status = age_status
        contact.save(update_fields=["age_status"])
    return previous


# What a data subject may have corrected (privacy.dsr.rectification).
RECTIFIABLE = ("name", "email", "phone")


@transaction.atomic
def contact_rectify(*, contact: Contact, corrections: dict, actor: Actor) -> list[str]:
    """Applies a data subject's corrected values and re-computes the blind
    indexes of a changed phone or email. A value of None clears the field, a
    blank one changes nothing. Returns the names of the fields that changed.

    A phone or email that another contact of the tenant already has is refused
    (Conflict): two people cannot share one way in, and merging is a human decision.
    """
    unknown = set(corrections) - set(RECTIFIABLE)
    if unknown:
        raise Invalid(
            f"Only {', '.join(RECTIFIABLE)} can be corrected, not {', '.join(sorted(unknown))}.",
            fields={name: ["Cannot be corrected."] for name in sorted(unknown)},
        )
    contact = Contact.objects.for_tenant(contact.tenant_id).select_for_update().get(pk=contact.pk)
    changed = {}
    for field in RECTIFIABLE:
        if field not in corrections:
            continue
        value = corrections[field]
        if value is not None:
            value = str(value).strip()
            if not value:
                continue
            if field in ("phone", "email"):
                value = _normalised(field, value)
                owner = contact_find(tenant_id=contact.tenant_id, kind=field, value=value)
                if owner not in (None, contact):
                    raise Conflict(
                        f"Another contact of this workspace already has this {field}: the "
                        "correction was not applied. Correct or erase that contact first.",
                        code="identifier_in_use",
                    )
        if value != getattr(contact, field):
            changed[field] = value
    if not changed:
        return []
    for field, value in changed.items():
        setattr(contact, field, value)
    contact.save(update_fields=sorted(changed))
    for kind in ("phone", "email"):
        if kind in changed:
            # Index: the identifier's contact_id foreign key.
            ContactIdentifier.objects.for_tenant(contact.tenant_id).filter(
                contact=contact, kind=kind
            ).delete()
            if changed[kind]:
                _identify(contact, kind, changed[kind])
    contact_index(contact)
    record(
        "contact.updated",
        tenant=contact.tenant_id,
        actor=actor,
        target=("contact", contact.pk),
        metadata={"fields": sorted(changed)},
    )
    return sorted(changed)


@transaction.atomic
def contact_set_processing(
    *,
    contact: Contact,
    actor: Actor,
    restricted: bool | None = None,
    object_to: str | None = None,
    withdraw: str | None = None,
) -> bool:
    """Restriction of processing and objections per purpose ("all" for every
    processing; ``withdraw="*"`` withdraws every objection). Returns whether
    anything changed."""
    contact = Contact.objects.for_tenant(contact.tenant_id).select_for_update().get(pk=contact.pk)
    fields = []
    if restricted is not None and restricted != contact.processing_restricted:
        contact.processing_restricted = restricted
        fields.append("processing_restricted")
    objections = set(contact.objections)
    if object_to:
        objections.add(object_to)
    if withdraw == "*":
        objections.clear()
    elif withdraw:
        objections.discard(withdraw)
    if sorted(objections) != sorted(contact.objections):
        contact.objections = sorted(objections)
        fields.append("objections")
    if not fields:
        return False
    contact.save(update_fields=fields)
    record(
        "contact.processing_changed",
        tenant=contact.tenant_id,
        actor=actor,
        target=("contact", contact.pk),
        metadata={
            "processing_restricted": contact.processing_restricted,
            "objections": contact.objections,
        },
    )
    return True
