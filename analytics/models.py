"""Product analytics rows: what waits to leave for Mixpanel (or the local sink),
and the monthly secrets the pseudonyms are derived under.

Neither table holds a tenant, a person or any of their ids: an analytics event
carries only allowlisted values (analytics.events) and a pseudonym that nobody
can link back once its month's secret is deleted.
"""

from django.db import models
from django.utils import timezone

from instaply.ids import uuid7


class PseudonymSecret(models.Model):
    """The random key of one calendar month (UTC). Deleted when the month is over
    (analytics.pseudonyms): from then on even the platform cannot recompute which
    tenant a pseudonym of that month stood for."""

    month = models.DateField(unique=True)  # the first day of the month
    secret = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"pseudonym secret of {self.month:%Y-%m}"


class AnalyticsEvent(models.Model):
    """One event to send: pending, then sent to Mixpanel or recorded by the local
    sink (no token configured), with the payload exactly as the client built it."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent to Mixpanel"
        RECORDED = "recorded", "Recorded locally"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    name = models.CharField(max_length=40)
    distinct_id = models.CharField(max_length=64)
    properties = models.JSONField(default=dict)
    # Truncated to the hour: a precise time of one message could single someone out.
    occurred_hour = models.DateTimeField()
    # Mixpanel drops a second event with the same $insert_id: a resend after a
    # crash between the request and our commit is counted once.
    insert_id = models.CharField(max_length=32, unique=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="analytics_due"),
            models.Index(fields=["state", "done_at"], name="analytics_done"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"
