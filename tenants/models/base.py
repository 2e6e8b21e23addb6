"""The one mechanism every piece of tenant data inherits."""

from django.db import models

from instaply.ids import uuid7


class TenantQuerySet(models.QuerySet):
    """Queries of tenant data start with one of two named doors.

    ``for_tenant`` is the everyday one. ``dangerously_unscoped`` is the way out
    for the few places that find the tenant out (a webhook's number, a token, a
    widget key) or work by id after the tenant was checked; it needs a reason,
    so a reader sees why and a reviewer can grep for them. The scoping lint
    (tests/scoping) fails on any query of tenant data that uses neither.
    """

    def for_tenant(self, tenant):
        # Every read of tenant data starts here; composite indexes lead with tenant_id.
        return self.filter(tenant=tenant)

    def dangerously_unscoped(self, *, reason: str):
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("dangerously_unscoped() needs a reason: say why no tenant applies.")
        return self.all()


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
