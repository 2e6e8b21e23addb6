"""Sub-processors, records of processing, audit requests.

``SubProcessor`` is the platform's registry (not a tenant's row). A change of it
(an addition or a replacement) is announced to every tenant at least 30 days
before it takes effect, and each tenant may object: ``SubProcessorObjection``.
``RecordSnapshot`` is one version of a tenant's records of processing, generated
from live configuration (compliance/records), kept whenever its content changes.
``AuditRequest`` is a tenant owner's request to audit the platform.
"""

from django.db import models
from django.utils import timezone

from instaply.ids import uuid7
from tenants.models.base import TenantScopedModel


class SubProcessor(models.Model):
    """A third party that processes tenants' personal data on the platform's behalf."""

    class Safeguard(models.TextChoices):
        # No transfer: processing stays in the EU/EEA.
        EU = "eu", "None needed (EU/EEA)"
        ADEQUACY = "adequacy", "Adequacy decision"
        SCC = "scc", "Standard contractual clauses"
        DPF = "dpf", "EU-US Data Privacy Framework"
        SCC_DPF = "scc_dpf", "Standard contractual clauses and Data Privacy Framework"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # Stable code the code base names it by (compliance/usage.py): twilio, vonage, ...
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    purpose_en = models.CharField(max_length=300)
    purpose_fr = models.CharField(max_length=300)
    # breaches.models.DataCategory values.
    data_categories = models.JSONField(default=list)
    # ISO 3166-1 alpha-2 of where it processes the data.
    country = models.CharField(max_length=2)
    safeguard = models.CharField(max_length=8, choices=Safeguard.choices)
    # What in the code base is this sub-processor: SDK modules ("twilio") and
    # outbound hosts ("api.mixpanel.com"); the registry test matches on them.
    integrations = models.JSONField(default=list, blank=True)
    since = models.DateField()
    # Set when a change replaced it, from the change's date of effect.
    retired_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def transfer(self) -> bool:
        return self.safeguard != self.Safeguard.EU


class SubProcessorChange(models.Model):
    """An announced addition or replacement, with its date of effect (>= 30 days on)."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        REPLACED = "replaced", "Replaced"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    subprocessor = models.ForeignKey(SubProcessor, on_delete=models.PROTECT, related_name="+")
    replaces = models.ForeignKey(
        SubProcessor, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effective_on = models.DateField()
    announced_at = models.DateTimeField(default=timezone.now)
    announced_by = models.ForeignKey(
        "platform_staff.PlatformStaff", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why, in the platform's words (shown to tenants).
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-announced_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.subprocessor_id} from {self.effective_on}"


class SubProcessorObjection(TenantScopedModel):
    """A tenant's objection to one announced change (one per tenant and change)."""

    change = models.ForeignKey(SubProcessorChange, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(
        "tenants.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    raised_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The platform DPO's email about it went out (cleared when raised again).
    dpo_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "change"], name="subprocessor_objection_once")
        ]
        indexes = [models.Index(fields=["change", "raised_at"], name="objection_change")]


class SubProcessorChangeEmail(TenantScopedModel):
    """One tenant's email about one announced change: its owners and privacy members
    were written to at ``emailed_at`` (a retried task finds it and stops)."""

    change = models.ForeignKey(SubProcessorChange, on_delete=models.CASCADE, related_name="+")
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "change"], name="subprocessor_change_email")
        ]


class RecordSnapshot(TenantScopedModel):
    """One version of a tenant's records of processing (GDPR Art. 30(2)).

    ``content`` is the generated record (compliance/records); a new version is
    written only when its ``content_hash`` differs from the latest one's.
    """

    version = models.PositiveIntegerField()
    content = models.JSONField()
    # SHA-256 of the canonical JSON of ``content``.
    content_hash = models.CharField(max_length=64)
    # Which inputs changed since the previous version (codes), for the history.
    changed = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "version"], name="record_snapshot_version")
        ]


class AuditRequest(TenantScopedModel):
    """A tenant's request to audit the platform: at least 30 days' notice, at most
    one per calendar year (of the date the audit takes place)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed by the tenant"
        # The platform proposed another date; the tenant accepts it or proposes again.
        COUNTER_PROPOSED = "counter_proposed", "Another date proposed by the platform"
        ACCEPTED = "accepted", "Accepted"
        CANCELLED = "cancelled", "Cancelled"

    class Package(models.TextChoices):
        NONE = "none", "Not started"
        PREPARING = "preparing", "Preparing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        # Deleted after its retention (compliance/audits/package.py).
        EXPIRED = "expired", "Deleted after its retention"

    filed_by = models.ForeignKey(
        "tenants.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)
    proposed_date = models.DateField()
    # The date the platform proposed instead, while COUNTER_PROPOSED.
    counter_date = models.DateField(null=True, blank=True)
    # The date both sides agreed on, once ACCEPTED.
    agreed_date = models.DateField(null=True, blank=True)
    scope_note = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PROPOSED)
    decided_by = models.ForeignKey(
        "platform_staff.PlatformStaff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    platform_note = models.TextField(blank=True)
    package_state = models.CharField(max_length=10, choices=Package.choices, default=Package.NONE)
    # File name under COMPLIANCE_PACKAGE_DIR once READY.
    package_file = models.CharField(max_length=200, blank=True)
    package_ready_at = models.DateTimeField(null=True, blank=True)
    package_sha256 = models.CharField(max_length=64, blank=True)
    package_size = models.PositiveBigIntegerField(default=0)
    # The file is deleted at this time (then EXPIRED): some weeks after the audit.
    package_expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Emails already sent ("<audience>:<step>:<key>"): a retried task sends nothing twice.
    notified = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        indexes = [models.Index(fields=["tenant", "filed_at"], name="audit_request_tenant")]
