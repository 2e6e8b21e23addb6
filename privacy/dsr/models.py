"""Data-subject requests (the ``dsr`` app): what a tenant (the controller) asks
of us, the processor, on behalf of one of its end-users, and the evidence of
what we did.

The subject's identifiers and the tenant's notes are encrypted under the
request's own data key (subject = the request's id): once an erasure is done,
destroying that key leaves only the ``ErasureRecord``'s salted hash.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from privacy.fields import EncryptedJSONField, EncryptedTextField
from tenants.models import TenantScopedModel


class DataSubjectRequest(TenantScopedModel):
    class Type(models.TextChoices):
        ACCESS = "access", "Access"
        PORTABILITY = "portability", "Portability"
        RECTIFICATION = "rectification", "Rectification"
        ERASURE = "erasure", "Erasure"
        RESTRICTION = "restriction", "Restriction of processing"
        OBJECTION = "objection", "Objection"
        RESTRICTION_WITHDRAWAL = "restriction_withdrawal", "Withdrawal of a restriction"
        OBJECTION_WITHDRAWAL = "objection_withdrawal", "Withdrawal of an objection"

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATES = (State.RECEIVED, State.IN_PROGRESS)

    request_type = models.CharField(max_length=24, choices=Type.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECEIVED)
    # Waiting on the tenant (identifiers matching nobody or several people, a
    # question): the clock stands still. The reason is in the last PAUSED event.
    paused = models.BooleanField(default=False)
    # The client's key: filing the same key twice returns the first request.
    idempotency_key = models.CharField(max_length=100, blank=True)
    filed_by = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    subject_asked_on = models.DateField()
    identity_verified = models.BooleanField()

    subject_phone = EncryptedTextField(subject="id")
    subject_email = EncryptedTextField(subject="id")
    # Blind indexes of the identifiers (privacy.blind_index): matching and
    # duplicate detection without reading the ciphertext.
    phone_index = models.CharField(max_length=64, blank=True)
    email_index = models.CharField(max_length=64, blank=True)
    # Given by the tenant, or found by matching; the contact may be erased later.
    contact = models.ForeignKey(
        "conversations.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = EncryptedTextField(subject="id")
    # Rectification: {"name": "...", "email": "...", "phone": "..."}.
    corrections = EncryptedJSONField(subject="id")
    # Objection: the purpose objected to (e.g. "marketing"); blank for all processing.
    purpose = models.CharField(max_length=32, blank=True)
    # Why the platform opened it by itself, e.g. "child_under_15" (privacy.minors);
    # blank for a request a tenant filed.
    reason = models.CharField(max_length=32, blank=True)

    # A duplicate of an open request for the same subject and type is linked, not worked.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # Computed from the clock events (privacy.deadlines); None while paused.
    due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)
    # The work's progress, 0-100, shown on the request while a task runs.
    progress = models.PositiveSmallIntegerField(default=0)
    # What the DPO sees of the subject: counts of contacts, conversations,
    # messages, notes, attachments. Never content.
    counts = models.JSONField(default=dict, blank=True)
    reminded_half_at = models.DateTimeField(null=True, blank=True)
    reminded_ninety_at = models.DateTimeField(null=True, blank=True)
    # The outcome email (completed or rejected) went out: a retried task stops.
    outcome_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["tenant", "state", "received_at"], name="dsr_tenant_state"),
            models.Index(fields=["state", "due_at"], name="dsr_state_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="dsr_idempotency_key_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_type} request {self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class RequestEvent(TenantScopedModel):
    """One step of a request: the clock's history (received, paused, resumed) and
    the others (started, completed, ...). Reasons are written for the tenant and
    the DPO and hold no personal content."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Received"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        STARTED = "started", "Work started"
        COMPLETED = "completed", "Completed"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"
        LINKED = "linked", "Duplicate linked"
        REMINDED = "reminded", "DPO reminded"

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=500, blank=True)
    # "member:<id>", "platform_staff:<user id>" or "system:<name>".
    actor = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "request", "at"], name="dsr_event_request")]


class AccessPackage(TenantScopedModel):
    """The ZIP built for an access or portability request: downloadable by the
    tenant's owners and privacy members for 7 days, then deleted."""

    request = models.OneToOneField(
        DataSubjectRequest, on_delete=models.CASCADE, related_name="package"
    )
    # Name in the package storage (settings.PRIVACY_PACKAGE_DIR); no personal data in it.
    storage_name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)


class ErasureRecord(TenantScopedModel):
    """What is kept after an erasure, for the platform's legal obligations
    (docs/privacy.md): the request, times, a salted hash of the identifiers,
    counts of what was erased, and the receipt given to the tenant."""

    request = models.OneToOneField(
        DataSubjectRequest, on_delete=models.PROTECT, related_name="erasure"
    )
    identifiers_hash = models.CharField(max_length=64)
    counts = models.JSONField(default=dict)
    # Per store (database rows, encrypted files, caches, backups): what was done;
    # for backups, the date the last one holding the subject's ciphertext expires.
    receipt = models.JSONField(default=dict)
    erased_at = models.DateTimeField(default=timezone.now)


class LegalHold(TenantScopedModel):
    """A tenant owner's hold on a contact: erasure is refused with this reason."""

    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=500)
    set_by = models.ForeignKey(
        "tenants.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(released_at__isnull=True),
                name="legal_hold_one_active_per_contact",
            )
        ]
