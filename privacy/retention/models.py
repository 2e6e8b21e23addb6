"""Each tenant's retention choices. A tenant without a row keeps the platform's
defaults (settings.RETENTION_*)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenants.models import TenantScopedModel


class RetentionPolicy(TenantScopedModel):
    # Conversations with no activity for this many days are deleted; the
    # platform bounds it (RETENTION_MIN_DAYS..RETENTION_MAX_DAYS).
    inactive_days = models.PositiveIntegerField()
    # Closed conversations may go sooner: after this many days without activity.
    # None: closed ones follow inactive_days like the others.
    closed_days = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The last run's outcome, shown on the settings page: {"at": iso, "counts": {...}}.
    last_run = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="retention_policy_one_per_tenant")
        ]

    @classmethod
    def defaults(cls, tenant) -> "RetentionPolicy":
        """The policy a tenant without its own row follows (unsaved)."""
        return cls(tenant=tenant, inactive_days=settings.RETENTION_INACTIVE_DAYS_DEFAULT)
