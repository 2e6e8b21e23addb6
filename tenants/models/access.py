"""Credentials that give access to one tenant: invitations and API tokens.

An invitation's email goes out through InvitationDelivery rows, one per sending,
each with one InvitationSendAttempt row per try: it counts as sent only once the
mail server took the mail.

Only SHA-256 digests of the secrets are stored; the secrets are random enough
(256 bits) that a slow hash would add nothing but latency.
"""

from django.db import models
from django.db.models.functions import Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from tenants.models.base import TenantScopedModel
from tenants.models.tenancy import Role

# RFC 5321 caps a forward path at 256 octets, brackets included: 254 for the address.
EMAIL_MAX_LENGTH = 254


class Invitation(TenantScopedModel):
    email = models.EmailField(max_length=EMAIL_MAX_LENGTH)
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    invited_by = models.ForeignKey(
        "tenants.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One pending invitation per address: a second one would leave two live links.
            models.UniqueConstraint(
                "tenant",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_pending_once",
            ),
            # SQLite does not enforce varchar lengths; this holds on every database.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("email"), EMAIL_MAX_LENGTH),
                name="invitation_email_length",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="invitation_tenant_created")]

    def is_usable(self, now) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now

    @property
    def delivery(self) -> "InvitationDelivery | None":
        """The latest sending of the invitation (selectors prefetch it)."""
        deliveries = getattr(self, "deliveries_newest_first", None)
        if deliveries is None:
            deliveries = self.deliveries.for_tenant(self.tenant_id).annotate(
                attempt_count=models.Count("attempts")
            )
            deliveries = deliveries.order_by("-queued_at", "-id")[:1]
        return next(iter(deliveries), None)


class InvitationDelivery(TenantScopedModel):
    """One sending of an invitation's link by email: made queued when an admin
    invites or resends, marked sent only after the mail server accepted it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # Our own words (never the mail server's text, which may quote the address).
    failure_code = models.CharField(max_length=32, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            # A resend while one is queued re-enqueues that one instead of racing it.
            models.UniqueConstraint(
                fields=["tenant", "invitation"],
                condition=models.Q(status="queued"),
                name="invitation_delivery_queued_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "invitation", "-queued_at"], name="invitation_delivery_tenant"
            )
        ]


class InvitationSendAttempt(TenantScopedModel):
    """One try at handing an invitation's mail to the mail server."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Accepted by the mail server"
        TRANSIENT = "transient", "Failed, will be retried"
        PERMANENT = "permanent", "Failed for good"

    delivery = models.ForeignKey(
        InvitationDelivery, on_delete=models.CASCADE, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error_code = models.CharField(max_length=32, blank=True)
    error_reason = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Also the index of a delivery's attempts.
            models.UniqueConstraint(
                fields=["tenant", "delivery", "number"], name="invitation_attempt_once"
            )
        ]


class ApiToken(TenantScopedModel):
    membership = models.ForeignKey(
        "tenants.Membership", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "membership", "-created_at"], name="token_tenant_member")
        ]
