"""Tenants, their shops, and the people who work in them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from instaply.ids import uuid7
from tenants.models.base import TenantScopedModel


class Tenant(models.Model):
    """A company using Instaply: the GDPR controller of its end-users' data."""

    class Region(models.TextChoices):
        EU = "eu", "European Union"
        UK = "uk", "United Kingdom"
        US = "us", "United States"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    data_region = models.CharField(max_length=8, choices=Region.choices, default=Region.EU)
    require_2fa_for_all = models.BooleanField(default=False)
    # Send end-users the platform's service message when a new privacy-policy
    # version is published (privacy.policies).
    send_policy_messages = models.BooleanField(default=False)
    # No anonymous product analytics at all for this workspace (analytics.tracking).
    analytics_opt_out = models.BooleanField(default=False)
    # A text within this many days of its conversation's closing reopens it;
    # after, a new conversation follows it. 0: never reopen.
    reopen_window_days = models.PositiveSmallIntegerField(default=7)
    # A member who replies to an unassigned conversation becomes its assignee
    # (conversations.services.messages.message_reply).
    assign_on_reply = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Shop(TenantScopedModel):
    """A shop or location of a tenant; conversations and numbers belong to one.

    ``business_hours`` maps weekday keys (mon..sun) to lists of ["HH:MM", "HH:MM"]
    opening intervals in the shop's own time zone; a missing day is closed.
    """

    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, default="Europe/Paris")
    business_hours = models.JSONField(default=dict, blank=True)
    # Sent once per closed period to whoever writes outside business hours.
    auto_reply_text = models.CharField(max_length=600, blank=True)
    # The answer to HELP / INFO over SMS.
    help_text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["tenant", "name"], name="shop_tenant_name")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    AGENT = "agent", "Agent"
    VIEWER = "viewer", "Viewer"
    PRIVACY = "privacy", "Privacy officer"


class Membership(TenantScopedModel):
    """A person's role in one tenant. Revocation is a timestamp, checked on every request."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_one_per_tenant")
        ]
        indexes = [models.Index(fields=["tenant", "role"], name="membership_tenant_role")]

    def __str__(self) -> str:
        return f"{self.user_id} as {self.role} in {self.tenant_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.user.is_active

    def can(self, capability) -> bool:
        from tenants.permissions import role_can

        return self.is_active and role_can(self.role, capability)
