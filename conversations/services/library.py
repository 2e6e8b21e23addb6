"""Tenant-wide labels and canned responses."""

from django.db import IntegrityError, transaction

from audit.recorder import Actor, record
from conversations.models import CannedResponse, Label
from instaply.errors import Conflict
from tenants.models import Membership
from tenants.scoping import refuse_other_fields, require_same_tenant

CANNED_CHANGES = frozenset({"shortcut", "text"})


def _save_unique(instance, *, field: str, update_fields=None):
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError:
        raise Conflict(
            f"Another one already uses this {field}.", fields={field: ["Already in use."]}
        ) from None
    return instance


@transaction.atomic
def label_create(*, actor: Membership, name: str, colour: str = "#5a6376") -> Label:
    label = _save_unique(Label(tenant_id=actor.tenant_id, name=name, colour=colour), field="name")
    record(
        "label.created",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("label", label.pk),
    )
    return label


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
    canned = _save_unique(
        CannedResponse(tenant_id=actor.tenant_id, shortcut=shortcut, text=text), field="shortcut"
    )
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
    require_same_tenant(actor, canned)
    refuse_other_fields(changes, allowed=CANNED_CHANGES)
    for field, value in changes.items():
        setattr(canned, field, value)
    _save_unique(canned, field="shortcut", update_fields=list(changes) or None)
    record(
        "canned_response.updated",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("canned_response", canned.pk),
        metadata={"fields": sorted(changes)},
    )
    return canned


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
