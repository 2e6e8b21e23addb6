"""Setting widgets up (owners and admins)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from audit.recorder import Actor, record
from conversations.models import Widget
from conversations.widget.language import languages
from instaply.errors import Invalid
from tenants.models import Membership, Shop
from tenants.scoping import apply_changes, refuse_other_fields, require_same_tenant

WIDGET_CHANGES = frozenset(
    {
        "allowed_origins",
        "greeting",
        "greetings",
        "away_messages",
        "colour",
        "text_colour",
        "pre_chat_fields",
        "age_gate",
        "special_category_consent",
        "special_category_text",
        "active",
    }
)


def _consent_text(widget: Widget, fields: dict) -> dict:
    """Checks the special-category consent settings; a new wording gets the next
    version number (special_category_text_version), so the consent ledger records
    which wording each person agreed to. Returns the fields to save."""
    if "special_category_text" in fields:
        fields["special_category_text"] = (fields["special_category_text"] or "").strip()
    enabled = fields.get("special_category_consent", widget.special_category_consent)
    text = fields.get("special_category_text", widget.special_category_text)
    if enabled and not text:
        raise Invalid(
            "Write the text visitors agree to before sending special-category data.",
            fields={"special_category_text": ["Required when the consent is asked."]},
        )
    if text != widget.special_category_text:
        previous = widget.special_category_text_version
        fields["special_category_text_version"] = (
            str(int(previous) + 1) if previous.isdigit() else "1"
        )
    return fields


TEXT_LIMITS = {"greetings": 300, "away_messages": 600}


def _language_texts(fields: dict) -> dict:
    """Checks the texts given per visitor language ({"fr": "Bonjour !"}): languages
    the widget speaks, plain text within the limit; blank ones are dropped (that
    language gets the default)."""
    for name, limit in TEXT_LIMITS.items():
        if name not in fields:
            continue
        texts = fields[name]
        if not isinstance(texts, dict):
            raise Invalid(
                'Give the texts by language, e.g. {"fr": "Bonjour !"}.',
                fields={name: ["An object of language codes to texts."]},
            )
        problems = [
            f"{code!r} is not a language of the widget" for code in texts if code not in languages()
        ]
        problems += [
            f"{code}: at most {limit} characters of text"
            for code, text in texts.items()
            if code in languages() and (not isinstance(text, str) or len(text.strip()) > limit)
        ]
        if problems:
            raise Invalid(f"Some {name.replace('_', ' ')} are not valid.", fields={name: problems})
        fields[name] = {code: text.strip() for code, text in texts.items() if text.strip()}
    return fields


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
    fields = _language_texts(_consent_text(Widget(), fields))
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
    refuse_other_fields(changes, allowed=WIDGET_CHANGES)
    changes = _language_texts(_consent_text(widget, changes))
    apply_changes(widget, changes, allowed=WIDGET_CHANGES | {"special_category_text_version"})
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
