"""Creating tenants and their shops."""

import zoneinfo

from django.db import transaction
from django.utils.text import slugify

from audit.recorder import Actor, record
from instaply.errors import Invalid
from tenants.business_hours import business_hours_validate
from tenants.models import Membership, Role, Shop, Tenant, User
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
