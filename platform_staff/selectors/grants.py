"""Reads of access grants."""

from django.db.models import QuerySet

from platform_staff.models import AccessGrant, AccessGrantConversation, PlatformStaff
from tenants.models import Tenant
from tenants.scoping import tenant_get


def grant_list(*, tenant: Tenant) -> QuerySet[AccessGrant]:
    """A tenant's grants, newest request first, with who asked and who decided."""
    return (
        AccessGrant.objects.for_tenant(tenant)
        .select_related("requested_by__user", "decided_by__user", "revoked_by__user")
        .order_by("-requested_at")
    )


def grant_get(*, tenant: Tenant, id) -> AccessGrant:
    return tenant_get(grant_list(tenant=tenant), tenant=tenant, id=id, what="access request")


def grant_conversation_ids(*, grant: AccessGrant, approved: bool | None = None) -> list:
    """The conversations a grant asked for (``approved=None``), or those approved."""
    rows = AccessGrantConversation.objects.for_tenant(grant.tenant_id).filter(grant=grant)
    rows = rows.filter(requested=True) if approved is None else rows.filter(approved=approved)
    return list(rows.order_by("conversation_id").values_list("conversation_id", flat=True))


def grants_of_staff(*, staff: PlatformStaff) -> QuerySet[AccessGrant]:
    """One support person's requests across tenants (their own console list)."""
    return (
        AccessGrant.objects.dangerously_unscoped(reason="a support person's own requests")
        .filter(requested_by=staff)
        .select_related("tenant")
        .order_by("-requested_at")
    )
