"""Saving and deleting a member's inbox views."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.recorder import Actor, record
from instaply.errors import Conflict, Invalid
from saved_views.models import SavedView
from tenants.models import Membership
from tenants.scoping import require_same_tenant

FILTER_KEYS = ("status", "assignee", "label", "shop", "channel")
NAME_MAX_LENGTH = 60
MAX_PER_MEMBER = 30


@transaction.atomic
def saved_view_create(*, actor: Membership, name: str, filters: dict) -> SavedView:
    """``filters`` are the inbox's, already checked by its parser (codes and ids)."""
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        message = _("Give the view a name of 1 to %(n)d characters.") % {"n": NAME_MAX_LENGTH}
        raise Invalid(message, fields={"name": [message]})
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise Invalid(
            "Unknown filters.", fields={key: ["Not a filter of the inbox."] for key in unknown}
        )
    # Locks the member's row: two saves at once cannot both pass the limit.
    Membership.objects.for_tenant(actor.tenant_id).select_for_update().get(pk=actor.pk)
    existing = SavedView.objects.for_tenant(actor.tenant_id).filter(membership=actor)
    if existing.count() >= MAX_PER_MEMBER:
        message = _("You have %(n)d saved views: delete one first.") % {"n": MAX_PER_MEMBER}
        raise Invalid(message, fields={"name": [message]})
    view = SavedView(
        tenant_id=actor.tenant_id,
        membership=actor,
        name=name,
        filters={key: str(value) for key, value in filters.items() if value},
    )
    try:
        with transaction.atomic():
            view.save(force_insert=True)
    except IntegrityError:
        message = _("You already have a view with this name.")
        raise Conflict(message, fields={"name": [message]}, code="name_taken") from None
    record(
        "saved_view.created",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("saved_view", view.pk),
    )
    return view


@transaction.atomic
def saved_view_delete(*, actor: Membership, view: SavedView) -> None:
    require_same_tenant(actor, view)
    if view.membership_id != actor.pk:
        # Selectors only hand out the member's own views; this guards other callers.
        raise Invalid("A member deletes only their own saved views.")
    record(
        "saved_view.deleted",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("saved_view", view.pk),
    )
    view.delete()
