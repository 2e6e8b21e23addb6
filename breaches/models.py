"""Incidents, the notice each affected tenant gets, and the updates that follow.

An incident is the platform's (security declares it; it is not a tenant's row);
a ``BreachNotice`` is one affected tenant's view of it, and the only way a
tenant ever learns of an incident: a tenant with no notice sees nothing of it.
Facts are codes and the platform's own words, never personal content; counts
of subjects and records are approximate by nature (GDPR Art. 33(3)(a)).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from instaply.ids import uuid7
from tenants.models.base import TenantScopedModel


class Nature(models.TextChoices):
    DESTRUCTION = "destruction", "Destruction"
    LOSS = "loss", "Loss"
    ALTERATION = "alteration", "Alteration"
    UNAUTHORISED_DISCLOSURE = "unauthorised_disclosure", "Unauthorised disclosure"
    UNAUTHORISED_ACCESS = "unauthorised_access", "Unauthorised access"


class Property(models.TextChoices):
    """Which security property the breach broke (one or more)."""

    CONFIDENTIALITY = "confidentiality", "Confidentiality"
    INTEGRITY = "integrity", "Integrity"
    AVAILABILITY = "availability", "Availability"


class DataCategory(models.TextChoices):
    MESSAGE_CONTENT = "message_content", "Message content"
    CONTACT_IDENTITY = "contact_identity", "Contact names"
    CONTACT_DETAILS = "contact_details", "Phone numbers and email addresses"
    NOTES = "notes", "Internal notes"
    SPECIAL_CATEGORY = "special_category", "Special-category data"
    STAFF_ACCOUNTS = "staff_accounts", "Staff accounts (names, emails, sign-in data)"
    LOGIN_DATA = "login_data", "Login data (IP addresses, browsers)"
    AUDIT_RECORDS = "audit_records", "Audit records"


class SubjectCategory(models.TextChoices):
    END_USERS = "end_users", "End-users (the tenant's customers)"
    MINORS = "minors", "Minors among end-users"
    TENANT_STAFF = "tenant_staff", "The tenant's staff"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Incident(models.Model):
    """One personal-data breach, as platform security knows it.

    The 24 hours run from ``aware_at`` (when the platform became aware), not from
    the declaration: declaring late eats into every tenant's deadline.
    """

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # INC-2026-0001: what people say on the phone and in the register.
    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    aware_at = models.DateTimeField()
    declared_at = models.DateTimeField(default=timezone.now)
    declared_by = models.ForeignKey(
        "platform_staff.PlatformStaff", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Lists of Nature / Property / DataCategory / SubjectCategory values.
    natures = models.JSONField(default=list)
    properties = models.JSONField(default=list)
    data_categories = models.JSONField(default=list)
    subject_categories = models.JSONField(default=list)
    description = models.TextField(blank=True)
    likely_consequences = models.TextField()
    measures = models.TextField()
    dpo_contact = models.CharField(max_length=300)
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices)
    # How the affected tenants were chosen, as security stated it (breaches/scope.py):
    # {"kind": "explicit"|"audit"|"subprocessor"|"key_version", ...its parameters}.
    scope = models.JSONField(default=dict)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    # What was done in the end, for the register.
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-aware_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def deadline(self) -> dt.datetime:
        return self.aware_at + dt.timedelta(hours=settings.BREACH_NOTICE_HOURS)


class IncidentUpdate(models.Model):
    """A phase of facts added after the declaration (GDPR Art. 33(4)): numbered,
    never edited, sent to the people who received the notice."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    number = models.PositiveIntegerField()
    facts = models.TextField()
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        "platform_staff.PlatformStaff", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["incident", "number"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "number"], name="incident_update_number")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} update {self.number}"


class BreachNotice(TenantScopedModel):
    """What one affected tenant is told, and when.

    Pending until security sends it; the banner shows from ``sent_at`` until an
    owner or privacy member acknowledges it. ``deadline_at`` is the incident's
    awareness + 24 h, copied so the console's queue sorts on one indexed column.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="notices")
    # Approximate, from the database at declaration (counts only, never who).
    subjects_count = models.PositiveIntegerField(default=0)
    records_count = models.PositiveIntegerField(default=0)
    counted_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        "platform_staff.PlatformStaff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A notice sent after its deadline says by how much (seconds) and why.
    late_seconds = models.PositiveIntegerField(null=True, blank=True)
    late_reason = models.TextField(blank=True)
    # Membership ids the notice was emailed to: follow-up updates reach the same people.
    recipients = models.JSONField(default=list, blank=True)
    # Set by the email task once the recipients' emails went out (a retried task stops).
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Alerts to platform security while the notice is not sent (12 h and 20 h).
    alerted_12_at = models.DateTimeField(null=True, blank=True)
    alerted_20_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "tenants.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "tenant"], name="breach_notice_once")
        ]
        indexes = [
            models.Index(fields=["tenant", "sent_at"], name="breach_notice_tenant_sent"),
            # The alert sweep and the console's queue: unsent notices by deadline.
            models.Index(
                fields=["deadline_at"],
                condition=models.Q(sent_at__isnull=True),
                name="breach_notice_unsent_due",
            ),
        ]


class NoticeUpdateDelivery(TenantScopedModel):
    """That one update reached one tenant's recipients (sent once per tenant)."""

    notice = models.ForeignKey(BreachNotice, on_delete=models.CASCADE, related_name="deliveries")
    update = models.ForeignKey(IncidentUpdate, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "update"], name="breach_update_once")
        ]
