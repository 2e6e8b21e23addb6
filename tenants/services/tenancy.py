"""Creating tenants and their shops."""

import zoneinfo

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.recorder import Actor, record
from instaply.errors import Forbidden, Invalid
from tenants.business_hours import business_hours_validate
from tenants.models import Membership, Role, Shop, Tenant, User
from tenants.permissions import Capability
from tenants.scoping import apply_changes, require_same_tenant


@transaction.atomic
def tenant_create(*, name: str, owner: User, slug: str = "", data_region: str = "eu") -> Tenant:
    slug = slug or _free_slug(name)
    tenant = Tenant.objects.create(name=name, slug=slug, data_region=data_region)
    Membership.objects.create(tenant=tenant, user=owner, role=Role.OWNER)
    return tenant


def _free_slug(name: str) -> str:
    base = slugify(name)[:50] or "tenant"
    slug, n = base, 1
    while Tenant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def validate_time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            "Unknown time zone.", fields={"time_zone": [f"{name!r} is not an IANA time zone."]}
        ) from None
    return name


def _audit_shop(action: str, shop: Shop, actor: Membership | None, fields) -> None:
    record(
        action,
        tenant=shop.tenant_id,
        actor=Actor.member(actor) if actor else Actor.system("setup"),
        target=("shop", shop.pk),
        metadata={"fields": sorted(fields)},
    )


@transaction.atomic
def shop_create(
    *,
    tenant: Tenant,
    name: str,
    actor: Membership | None = None,
    time_zone: str = "Europe/Paris",
    business_hours: dict | None = None,
    auto_reply_text: str = "",
    help_text: str = "",
) -> Shop:
    shop = Shop(
        tenant=tenant,
        name=name,
        time_zone=validate_time_zone(time_zone),
        business_hours=business_hours_validate(business_hours or {}),
        auto_reply_text=auto_reply_text,
        help_text=help_text,
    )
    shop.save(force_insert=True)
    _audit_shop("shop.created", shop, actor, ["name"])
    return shop


SHOP_CHANGES = frozenset({"name", "time_zone", "business_hours", "auto_reply_text", "help_text"})


@transaction.atomic
def shop_update(*, shop: Shop, actor: Membership | None = None, **changes) -> Shop:
    if "time_zone" in changes:
        validate_time_zone(changes["time_zone"])
    if "business_hours" in changes:
        business_hours_validate(changes["business_hours"])
    if actor is not None:
        require_same_tenant(actor, shop)
    if apply_changes(shop, changes, allowed=SHOP_CHANGES):
        _audit_shop("shop.updated", shop, actor, changes)
    return shop


REOPEN_WINDOW_MAX_DAYS = 365


def tenant_setting_change(*, actor: Membership, field: str, value, action: str, request=None):
    """Sets one setting of the actor's tenant, under the tenant row's lock, and
    records the change as ``action`` with the value before; the same value again
    writes and records nothing. Runs inside the caller's transaction."""
    tenant = Tenant.objects.select_for_update().get(pk=actor.tenant_id)
    previous = getattr(tenant, field)
    if previous != value:
        setattr(tenant, field, value)
        tenant.save(update_fields=[field])
        record(
            action,
            request=request,
            tenant=tenant,
            actor=Actor.member(actor),
            target=("tenant", tenant.pk),
            metadata={field: value, "previous": previous},
        )
    return tenant


@transaction.atomic
def tenant_reopen_window_set(*, actor: Membership, days, request=None) -> Tenant:
    """How many days after its closing a conversation is reopened by the
    contact's new message (0: never); owners and admins decide."""
    if not actor.can(Capability.CHANNELS_MANAGE):
        raise Forbidden(_("Only owners and admins set the reopen window."))
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = -1
    if not 0 <= days <= REOPEN_WINDOW_MAX_DAYS:
        raise Invalid(
            _("The reopen window is a number of days from 0 to %(max)s.")
            % {"max": REOPEN_WINDOW_MAX_DAYS},
            fields={"reopen_window_days": [f"A whole number from 0 to {REOPEN_WINDOW_MAX_DAYS}."]},
        )
    return tenant_setting_change(
        actor=actor,
        field="reopen_window_days",
        value=days,
        action="tenant.reopen_window_changed",
        request=request,
    )


@transaction.atomic
def tenant_assign_on_reply_set(*, actor: Membership, enabled: bool, request=None) -> Tenant:
    """Whether replying to an unassigned conversation makes the replier its
    assignee; owners and admins decide."""
    if not actor.can(Capability.CHANNELS_MANAGE):
        raise Forbidden(_("Only owners and admins choose whether replying assigns."))
    return tenant_setting_change(
        actor=actor,
        field="assign_on_reply",
        value=bool(enabled),
        action="tenant.assign_on_reply_changed",
        request=request,
    )
