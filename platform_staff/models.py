"""The platform's own people, the access tenants grant them, and disclosures.

Platform staff are outsiders to every tenant (DESIGN.md, rule 12): a
``PlatformStaff`` row is never paired with a membership, and what they may read
of a tenant is exactly what a live ``AccessGrant`` of that tenant covers.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from instaply.ids import uuid7
from platform_staff.countries import is_transfer
from tenants.models.base import TenantScopedModel

# A request the tenant leaves unanswered is refused after this long, and no
# grant may last longer.
DECISION_WINDOW = dt.timedelta(hours=72)
MAX_GRANT_HOURS = 72


class PlatformRole(models.TextChoices):
    SUPPORT = "support", "Support"
    DPO = "dpo", "Data-protection officer"
    SECURITY = "security", "Security"


class PlatformStaff(models.Model):
    """A person of the platform: one account, one or more platform roles."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="platform_staff"
    )
    # A subset of PlatformRole values, kept valid by platform_staff.services.staff.
    roles = models.JSONField(default=list)
    # ISO 3166-1 alpha-2: outside the EU, every grant and access is a transfer.
    country = models.CharField(max_length=2)
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "platform person"
        verbose_name_plural = "platform staff"

    def __str__(self) -> str:
        return f"{self.user_id} ({', '.join(self.roles)})"

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None and self.user.is_active

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self.roles

    @property
    def transfer(self) -> bool:
        return is_transfer(self.country)


class AccessGrant(TenantScopedModel):
    """A support person's request to read a tenant's content, and the tenant's answer.

    Expiry is a matter of time, not of a job having run: ``state(now)`` says
    ``expired`` as soon as the decision window or the grant's duration is over,
    so a late sweep never leaves access open. The sweep only records it.
    """

    class Scope(models.TextChoices):
        TENANT = "tenant", "Whole workspace"
        CONVERSATIONS = "conversations", "Listed conversations"

    class Reason(models.TextChoices):
        CUSTOMER_SUPPORT_CASE = "customer_support_case", "Customer support case"
        INCIDENT_RESPONSE = "incident_response", "Incident response"
        LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the workspace"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        REVOKED = "revoked", "Revoked"
        # Never stored: what state() says of a pending or approved grant past its time.
        EXPIRED = "expired", "Expired"

    requested_by = models.ForeignKey(PlatformStaff, on_delete=models.PROTECT, related_name="+")
    # Copied from the person when asked: the record keeps where they were then.
    requester_country = models.CharField(max_length=2)
    transfer = models.BooleanField()
    scope = models.CharField(max_length=16, choices=Scope.choices)
    reason_code = models.CharField(max_length=32, choices=Reason.choices)
    case_reference = models.CharField(max_length=64, blank=True)
    justification = models.TextField(max_length=2000)
    requested_hours = models.PositiveSmallIntegerField()
    requested_at = models.DateTimeField(default=timezone.now)
    decision_due_at = models.DateTimeField()

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True)
    # What the tenant approved: the same scope or a narrower one, for as long or less.
    approved_scope = models.CharField(max_length=16, choices=Scope.choices, blank=True)
    approved_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by the sweep that audits an expiry, so it is audited once.
    expiry_recorded_at = models.DateTimeField(null=True, blank=True)
    # Emails are sent by tasks; these make a retried task send nothing twice:
    # the request once, and each answer (approved or denied, then revoked) once.
    request_notified_at = models.DateTimeField(null=True, blank=True)
    notified_status = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["tenant", "status"], name="grant_tenant_status"),
            models.Index(fields=["requested_by", "status"], name="grant_requester_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_hours__gte=1) & Q(requested_hours__lte=MAX_GRANT_HOURS),
                name="grant_requested_hours_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (Q(expires_at__isnull=False) & Q(approved_hours__lte=MAX_GRANT_HOURS)),
                name="grant_approved_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"grant {self.pk} ({self.status})"

    def state(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if self.status == self.Status.PENDING and now >= self.decision_due_at:
            return self.Status.EXPIRED
        if self.status == self.Status.APPROVED and now >= self.expires_at:
            return self.Status.EXPIRED
        return self.status

    def is_live(self, now: dt.datetime | None = None) -> bool:
        return self.state(now) == self.Status.APPROVED


class AccessGrantConversation(TenantScopedModel):
    """A conversation a grant asked for (``approved`` once the tenant agreed to it)."""

    grant = models.ForeignKey(AccessGrant, on_delete=models.CASCADE, related_name="conversations")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    requested = models.BooleanField(default=True)
    approved = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "conversation"], name="grant_conversation_once"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "grant"], name="grant_conversation_tenant"),
        ]


class Disclosure(TenantScopedModel):
    """A disclosure of a tenant's data to an authority, kept by platform security.

    The tenant's owners see an entry once they have been told; an entry they may
    not be told of yet names the legal reason and the date by which they will be.
    """

    disclosed_on = models.DateField()
    authority = models.CharField(max_length=200)
    legal_basis = models.CharField(max_length=300)
    data_scope = models.TextField(max_length=2000)
    recorded_by = models.ForeignKey(PlatformStaff, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    tenant_informed_at = models.DateTimeField(null=True, blank=True)
    withheld_reason = models.CharField(max_length=300, blank=True)
    inform_by = models.DateField(null=True, blank=True)
    # Set by the email task once the owners' email went out: a retried task stops.
    tenant_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-disclosed_on", "-recorded_at"]
        indexes = [models.Index(fields=["tenant", "disclosed_on"], name="disclosure_tenant_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(tenant_informed_at__isnull=False)
                | (~Q(withheld_reason="") & Q(inform_by__isnull=False)),
                name="disclosure_told_or_withheld_with_reason",
            )
        ]

    @property
    def tenant_informed(self) -> bool:
        return self.tenant_informed_at is not None
