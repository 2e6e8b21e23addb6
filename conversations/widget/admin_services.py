"""Setting widgets up (owners and admins)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from audit.recorder import Actor, record
from conversations.models import Widget
from instaply.errors import Invalid
from tenants.models import Membership, Shop
from tenants.scoping import apply_changes, refuse_other_fields, require_same_tenant

WIDGET_CHANGES = frozenset(
    {
        "allowed_origins",
        "greeting",
        "colour",
        "text_colour",
        "pre_chat_fields",
        "age_gate",
        "active",
    }
)


def normalise_origins(origins: list[str]) -> list[str]:
    """scheme://host[:port], nothing else: what browsers send in Origin."""
    cleaned, problems = [], []
    for origin in origins:
        parts = urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            problems.append(f"{origin!r} is not an origin like https://shop.example")
            continue
        cleaned.append(f"{parts.scheme}://{parts.netloc}".lower())
    if problems:
        raise Invalid("Some allowed origins are invalid.", fields={"allowed_origins": problems})
    return sorted(set(cleaned))


@transaction.atomic
def widget_create(*, actor: Membership, shop: Shop, **fields) -> Widget:
    require_same_tenant(actor, shop)
    refuse_other_fields(fields, allowed=WIDGET_CHANGES)
    if "allowed_origins" in fields:
        fields["allowed_origins"] = normalise_origins(fields["allowed_origins"])
    widget = Widget.objects.create(tenant_id=shop.tenant_id, shop=shop, **fields)
    record(
        "widget.created",
        tenant=shop.tenant_id,
        actor=Actor.member(actor),
        target=("widget", widget.pk),
    )
    return widget


@transaction.atomic
def widget_update(*, actor: Membership, widget: Widget, **changes) -> Widget:
    if "allowed_origins" in changes:
        changes["allowed_origins"] = normalise_origins(changes["allowed_origins"])
    require_same_tenant(actor, widget)
    apply_changes(widget, changes, allowed=WIDGET_CHANGES)
    record(
        "widget.updated",
        tenant=widget.tenant_id,
        actor=Actor.member(actor),
        target=("widget", widget.pk),
        metadata={"fields": sorted(changes)},
    )
    return widget


def widget_snippet(widget: Widget) -> str:
    src = settings.PUBLIC_BASE_URL + reverse(
        "widget-script", kwargs={"widget_key": widget.public_key}
    )
    return f'<script src="{src}" async></script>'
