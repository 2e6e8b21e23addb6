"""The website chat widget: one per shop, and the visitors who use it."""

import secrets

from django.db import models
from django.utils import timezone

from tenants.models import TenantScopedModel


def new_widget_key() -> str:
    return "wgt_" + secrets.token_urlsafe(18)


class Widget(TenantScopedModel):
    shop = models.ForeignKey("tenants.Shop", on_delete=models.CASCADE, related_name="+")
    public_key = models.CharField(max_length=40, unique=True, default=new_widget_key)
    allowed_origins = models.JSONField(default=list, blank=True)
    greeting = models.CharField(max_length=300, default="Hello! How can we help?")
    # The tenant's own words per visitor language ({"fr": "Bonjour !"}): a language
    # missing here gets ``greeting`` (conversations.widget.language).
    greetings = models.JSONField(default=dict, blank=True)
    # Shown while the shop is closed (its business hours), per visitor language; a
    # language missing here gets a translated default.
    away_messages = models.JSONField(default=dict, blank=True)
    colour = models.CharField(max_length=7, default="#1f5fbf")
    text_colour = models.CharField(max_length=7, default="#ffffff")
    # Fields asked before the chat starts, among "name" and "email".
    pre_chat_fields = models.JSONField(default=list, blank=True)
    age_gate = models.BooleanField(default=True)
    # Ask for explicit consent, in the tenant's words, before a visitor may send
    # special-category data (health, ...); recorded in the consent ledger.
    special_category_consent = models.BooleanField(default=False)
    special_category_text = models.CharField(max_length=600, blank=True)
    special_category_text_version = models.CharField(max_length=32, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "shop"], name="widget_tenant_shop")]


class WidgetVisitor(TenantScopedModel):
    """A browser that started a chat. The visitor token is stored as a digest;
    it is only valid on the widget that issued it."""

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="visitors")
    token_hash = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    # Login data of visitors: the families only (ua-parser), never the user agent or IP.
    browser_family = models.CharField(max_length=64, blank=True)
    device_family = models.CharField(max_length=64, blank=True)
    # The newest reply the visitor's open chat showed them (a message id; UUIDv7
    # ids sort by time): the agent's "seen" mark. Typing, by contrast, is never stored.
    read_up_to = models.UUIDField(null=True, blank=True)

    class Meta:
        # Retention removes sessions unseen for RETENTION_VISITOR_SESSION_DAYS.
        indexes = [models.Index(fields=["tenant", "last_seen_at"], name="visitor_tenant_seen")]
