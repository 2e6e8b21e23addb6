"""Tenant-wide labels and canned responses."""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.recorder import Actor, record
from conversations.models import CannedResponse, Label
from instaply.errors import Conflict, Invalid
from tenants.models import Membership
from tenants.scoping import refuse_other_fields, require_same_tenant

CANNED_CHANGES = frozenset({"shortcut", "text"})
LABEL_CHANGES = frozenset({"name", "colour"})
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SHORTCUT = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")


def _check(field: str, ok: bool, message) -> None:
    if not ok:
        raise Invalid(str(message), fields={field: [str(message)]})


def _clean_label(changes: dict) -> dict:
    """The API's serializer checks these too; pages rely on this."""
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        _check("name", 0 < len(changes["name"]) <= 50, _("A name of 1 to 50 characters."))
    if "colour" in changes:
        _check(
            "colour",
            bool(COLOUR.match(changes["colour"] or "")),
            _("A colour like #2f6fed."),
        )
    return changes


def _clean_canned(changes: dict) -> dict:
    if "shortcut" in changes:
        changes["shortcut"] = (changes["shortcut"] or "").strip().lstrip("/")
        _check(
            "shortcut",
            bool(SHORTCUT.match(changes["shortcut"])),
            _("A shortcut of 1 to 40 letters, digits, - or _."),
        )
    if "text" in changes:
        text = (changes["text"] or "").strip()
        _check("text", 0 < len(text) <= 1600, _("A text of 1 to 1600 characters."))
        changes["text"] = text
    return changes


def _save_unique(instance, *, field: str, update_fields=None):
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError:
        message = _("Another one already uses this %(field)s.") % {"field": field}
        raise Conflict(message, fields={field: [_("Already in use.")]}) from None
    return instance


@transaction.atomic
def label_create(*, actor: Membership, name: str, colour: str = "#5a6376") -> Label:
    name = _clean_label({"name": name, "colour": colour})["name"]
    label = _save_unique(Label(tenant_id=actor.tenant_id, name=name, colour=colour), field="name")
    record(
        "label.created",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("label", label.pk),
    )
    return label


@transaction.atomic
def label_update(*, actor: Membership, label: Label, **changes) -> Label:
    return _update(actor, label, changes, LABEL_CHANGES, _clean_label, "name", "label")


@transaction.atomic
def label_delete(*, actor: Membership, label: Label) -> None:
    require_same_tenant(actor, label)
    record(
        "label.deleted",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("label", label.pk),
    )
    label.delete()


@transaction.atomic
def canned_response_create(*, actor: Membership, shortcut: str, text: str) -> CannedResponse:
    cleaned = _clean_canned({"shortcut": shortcut, "text": text})
    canned = _save_unique(CannedResponse(tenant_id=actor.tenant_id, **cleaned), field="shortcut")
    record(
        "canned_response.created",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("canned_response", canned.pk),
    )
    return canned


@transaction.atomic
def canned_response_update(
    *, actor: Membership, canned: CannedResponse, **changes
) -> CannedResponse:
    return _update(
        actor, canned, changes, CANNED_CHANGES, _clean_canned, "shortcut", "canned_response"
    )


@transaction.atomic
def canned_response_delete(*, actor: Membership, canned: CannedResponse) -> None:
    require_same_tenant(actor, canned)
    record(
        "canned_response.deleted",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("canned_response", canned.pk),
    )
    canned.delete()


def _update(actor, instance, changes, allowed, clean, unique_field, kind):
    """A label's or saved reply's change: checked, saved unique, audited by field
    names (``<kind>.updated``)."""
    require_same_tenant(actor, instance)
    refuse_other_fields(changes, allowed=allowed)
    for field, value in clean(changes).items():
        setattr(instance, field, value)
    _save_unique(instance, field=unique_field, update_fields=list(changes) or None)
    record(
        f"{kind}.updated",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=(kind, instance.pk),
        metadata={"fields": sorted(changes)},
    )
    return instance
