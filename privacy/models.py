"""Key hierarchy rows: master key (outside) -> tenant key -> data key per subject.

A *subject* is whoever the data is about: an end-user (contact; the data key id
equals the contact id) or the tenant itself (its own secrets; id equals the
tenant id). Destroying a subject's data key is crypto-shredding: every value
encrypted under it, including copies, becomes unreadable.
"""

from django.db import models
from django.utils import timezone

from tenants.models import TenantScopedModel


class TenantKey(TenantScopedModel):
    """A tenant key, wrapped by a master key. Versioned: rotation adds a version,
    re-wraps the data keys under it, then destroys the older versions."""

    class Purpose(models.TextChoices):
        DATA = "data", "wraps data keys"
        INDEX = "index", "root of the blind-index keys"

    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    version = models.PositiveIntegerField()
    master_version = models.PositiveIntegerField()
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "purpose", "version"], name="tenantkey_one_per_version"
            )
        ]


class DataKey(TenantScopedModel):
    """The data key of one subject, wrapped by a version of its tenant key."""

    # PROTECT: a tenant key version cannot be destroyed while a data key needs it,
    # even one inserted concurrently with a rotation.
    tenant_key = models.ForeignKey(TenantKey, on_delete=models.PROTECT, related_name="+")
    wrapped_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "tenant_key"], name="datakey_tenant_key")]
