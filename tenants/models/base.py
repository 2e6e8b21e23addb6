"""The one mechanism every piece of tenant data inherits."""

from django.db import models

from instaply.ids import uuid7


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        # Every read of tenant data starts here; composite indexes lead with tenant_id.
        return self.filter(tenant=tenant)


class TenantScopedModel(models.Model):
    """A row that belongs to exactly one tenant.

    The UUIDv7 primary key is made in Python so it exists before the INSERT
    (encrypted fields bind their ciphertext to it).
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
