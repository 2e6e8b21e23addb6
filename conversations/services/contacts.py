"""Contacts: found by blind index, created on first contact, updated by staff."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.recorder import Actor, record
from conversations.models import Contact, ContactIdentifier
from instaply.errors import Conflict, Forbidden, Invalid
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
    # In sorted order: two batches creating some of the same contacts take the
    # identifiers' unique index in one order, so one waits instead of deadlocking.
    for value in sorted(values):
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


EDITABLE = (
    "name",
    "email",
    "phone",
    "locale",
    "age_status",
    "processing_restricted",
    "notes",
    "opted_out_channels",
)
NAME_MAX_LENGTH = 150
NOTES_MAX_LENGTH = 2000
# Channels a member may opt a contact out of by hand (the contact asked by phone,
# in the shop...). Back in is the contact's own word on SMS: a START text.
OPT_OUT_CHANNELS = ("sms", "widget")
OPT_IN_BY_STAFF = ("widget",)


IN_USE = {
    "phone": gettext_lazy("Another contact already has this phone number."),
    "email": gettext_lazy("Another contact already has this email address."),
}


def _refuse(field: str, message: str):
    raise Invalid(str(message), fields={field: [str(message)]})


def _clean_changes(actor: Membership, contact: Contact, changes: dict) -> dict:
    """The validated changes that differ from the contact's current values."""
    from tenants.permissions import Capability

    cleaned = {}
    for field in ("name", "notes"):
        if field in changes:
            value = (changes[field] or "").strip()
            limit = NAME_MAX_LENGTH if field == "name" else NOTES_MAX_LENGTH
            if len(value) > limit:
                _refuse(field, _("At most %(limit)d characters.") % {"limit": limit})
            cleaned[field] = value
    for kind in ("phone", "email"):
        if kind in changes:
            value = (changes[kind] or "").strip()
            if value and kind == "email":
                try:
                    validate_email(value)
                except ValidationError:
                    _refuse("email", _("Enter an email address like name@example.org."))
            if value:
                value = _normalised(kind, value)
                owner = contact_find(tenant_id=contact.tenant_id, kind=kind, value=value)
                if owner not in (None, contact):
                    _refuse(kind, IN_USE[kind])
            cleaned[kind] = value
    if "locale" in changes:
        cleaned["locale"] = (changes["locale"] or "").strip()
    if "opted_out_channels" in changes:
        wanted = set(changes["opted_out_channels"] or [])
        unknown = wanted - set(OPT_OUT_CHANNELS)
        if unknown:
            _refuse("opted_out_channels", _("Unknown channel: %(c)s.") % {"c": sorted(unknown)[0]})
        lifted = set(contact.opted_out_channels) - wanted
        if lifted - set(OPT_IN_BY_STAFF):
            _refuse(
                "opted_out_channels",
                _("Only the contact can opt back in to SMS, by texting START."),
            )
        cleaned["opted_out_channels"] = sorted(wanted | (set(contact.opted_out_channels) - lifted))
    if "processing_restricted" in changes:
        restricted = bool(changes["processing_restricted"])
        # A restriction may answer a data subject's request (GDPR art. 18):
        # lifting it is for those who handle those requests.
        lifting = contact.processing_restricted and not restricted
        if lifting and not actor.can(Capability.PRIVACY_REQUESTS):
            raise Forbidden(
                _("Only an owner or a privacy officer can lift a restriction of processing."),
                code="restriction_lift_refused",
            )
        cleaned["processing_restricted"] = restricted
    current = {field: getattr(contact, field) for field in cleaned}
    return {
        field: value
        for field, value in cleaned.items()
        if value != (current[field] if current[field] is not None else "")
    }


@transaction.atomic
def contact_update(*, actor: Membership, contact: Contact, request=None, **changes) -> Contact:
    """What staff change about a contact (the API's PATCH, the contact page).

    Personal values are encrypted under the contact's key by the fields; the
    audit event names the fields and channels that changed, never their values.
    Other features that follow contact changes (a search index) hook in after
    the save below, from this one function.
    """
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
    # Locked: a STOP text or a privacy request may change the same row meanwhile.
    contact = Contact.objects.for_tenant(contact.tenant_id).select_for_update().get(pk=contact.pk)
    if contact.erased_at is not None:
        raise Conflict(_("This contact is being erased or was erased."), code="erased")
    changed = _clean_changes(actor, contact, changes)
    if not changed:
        return contact
    before_opt_outs = set(contact.opted_out_channels)
    apply_changes(contact, changed, allowed=EDITABLE)
    for kind in ("phone", "email"):
        if kind in changed:
            ContactIdentifier.objects.for_tenant(contact.tenant_id).filter(
                contact=contact, kind=kind
            ).delete()
            if changed[kind]:
                _identify(contact, kind, changed[kind])
    if {"name", "email", "phone"} & set(changed):
        contact_index(contact)
    metadata = {"fields": sorted(changed)}
    if "opted_out_channels" in changed:
        after = set(changed["opted_out_channels"])
        metadata["opted_out"] = sorted(after - before_opt_outs)
        metadata["opted_in"] = sorted(before_opt_outs - after)
    if "processing_restricted" in changed:
        metadata["processing_restricted"] = changed["processing_restricted"]
    record(
        "contact.updated",
        tenant=contact.tenant_id,
        actor=Actor.member(actor),
        target=("contact", contact.pk),
        metadata=metadata,
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
