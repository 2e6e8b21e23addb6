"""Privacy-policy versions (platform-wide) and, per tenant, the service message
that announced a new one to its end-users."""

from django.db import models
from django.utils import timezone

from instaply.ids import uuid7
from tenants.models import TenantScopedModel


class PolicyVersion(models.Model):
    """One version of the privacy policy. A draft until published; in force from
    ``effective_at`` until the next published version's."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    version = models.CharField(max_length=32, unique=True)
    effective_at = models.DateTimeField()
    text_en = models.TextField()
    text_fr = models.TextField()
    # What changed, in a few lines: the owners' email and notice quote it.
    summary_en = models.CharField(max_length=500, blank=True)
    summary_fr = models.CharField(max_length=500, blank=True)
    # The service message tenants may send their end-users (an SMS: keep it short).
    service_message_en = models.CharField(max_length=320, blank=True)
    service_message_fr = models.CharField(max_length=320, blank=True)
    created_by = models.ForeignKey(
        "platform_staff.PlatformStaff", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "platform_staff.PlatformStaff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-effective_at"]
        indexes = [
            models.Index(
                fields=["-effective_at"],
                condition=models.Q(published_at__isnull=False),
                name="policy_published_effective",
            )
        ]

    def __str__(self) -> str:
        return self.version


class PolicyServiceMessage(TenantScopedModel):
    """A tenant's service message about one policy version: queued when the
    version is published (for tenants that send them), then what became of it."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        DONE = "done", "Done"

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    # {"sent": n, "not_sent": {"opted_out": n, "minor_held": n, ...}}: never who.
    counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "version"], name="policy_message_once")
        ]
