"""End-users of a tenant. Everything that identifies them is encrypted under the
contact's own data key (its id), so erasing the contact destroys one key."""

from django.db import models
from django.utils import timezone

from privacy.fields import EncryptedJSONField, EncryptedTextField
from tenants.models import TenantScopedModel


class AgeStatus(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    ADULT = "adult", "Adult"
    MINOR_AUTHORISED = "minor_authorised", "15–17, parental authorisation"
    MINOR_UNAUTHORISED = "minor_unauthorised", "15–17, no parental authorisation"
    UNDER_15 = "under_15", "Under 15"


class Contact(TenantScopedModel):
    name = EncryptedTextField(subject="id")
    email = EncryptedTextField(subject="id")
    phone = EncryptedTextField(subject="id")
    social_ids = EncryptedJSONField(subject="id")
    # What staff wrote about the contact on its page (web contact editing).
    notes = EncryptedTextField(subject="id")
    locale = models.CharField(max_length=16, blank=True)
    age_status = models.CharField(
        max_length=24, choices=AgeStatus.choices, default=AgeStatus.UNKNOWN
    )
    # Channels this contact opted out of, e.g. ["sms"]: one consent state per tenant.
    opted_out_channels = models.JSONField(default=list, blank=True)
    processing_restricted = models.BooleanField(default=False)
    # Purposes the contact objected to (GDPR art. 21), e.g. ["marketing"]; "all"
    # stands for every processing (privacy.dsr.restriction).
    objections = models.JSONField(default=list, blank=True)
    privacy_policy_version = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "-created_at"], name="contact_tenant_created")]

    def has_opted_out(self, channel: str) -> bool:
        return channel in self.opted_out_channels

    @property
    def processing_refused(self) -> bool:
        """Restricted processing, or an objection to all of it: no message may be
        sent but the legally required service ones (privacy.dsr.restriction)."""
        return self.processing_restricted or "all" in self.objections

    def objects_to(self, purpose: str) -> bool:
        """Whether processing for ``purpose`` is refused: an objection to it or to
        all processing. Every feature that processes for a purpose asks this."""
        return "all" in self.objections or purpose in self.objections


class ContactIdentifier(TenantScopedModel):
    """A blind index of one way to reach a contact (phone, email, social id,
    widget visitor): exact-match lookup without a plaintext column."""

    class Kind(models.TextChoices):
        PHONE = "phone"
        EMAIL = "email"
        SOCIAL = "social"
        VISITOR = "visitor"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    blind_index = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "blind_index"], name="identifier_unique_per_tenant"
            )
        ]
