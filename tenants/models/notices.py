"""In-app notices: what the workspace's people must see when they next open it.

A notice is addressed to a capability (everyone in the tenant who holds it),
not to people, so a member promoted later sees it and a revoked one does not.
It holds a kind, ids and codes, and a link: the page renders the words in the
reader's language, and no personal content is ever stored here.
"""

from django.db import models
from django.utils import timezone

from tenants.models.base import TenantScopedModel


class Notice(TenantScopedModel):
    capability = models.CharField(max_length=32)
    kind = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "capability", "created_at"], name="notice_tenant_cap")
        ]


class NoticeRead(TenantScopedModel):
    """That one member has seen (dismissed) one notice."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    membership = models.ForeignKey("tenants.Membership", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "membership"], name="notice_read_once")
        ]
