"""Reads of audit requests: a tenant's own, and the platform DPO's queue."""

from django.db.models import QuerySet

from compliance.models import AuditRequest
from instaply.errors import NotFound
from tenants.models import Membership
from tenants.permissions import Capability
from tenants.scoping import tenant_get

# What the console's queue shows first: the requests waiting on the platform.
WAITING_ON_PLATFORM = (AuditRequest.State.PROPOSED,)


def audit_requests_for_tenant(tenant) -> QuerySet[AuditRequest]:
    # Index: audit_request_tenant (tenant, filed_at).
    return AuditRequest.objects.for_tenant(tenant).order_by("-filed_at")


def audit_request_get(*, tenant, id) -> AuditRequest:
    """The tenant's request with this id; another tenant's is the same NotFound."""
    return tenant_get(AuditRequest, tenant=tenant, id=id, what="audit request")


def audit_request_queue(*, limit: int = 200) -> list[AuditRequest]:
    """Every tenant's requests for the DPO, those waiting on the platform first."""
    rows = list(
        AuditRequest.objects.dangerously_unscoped(
            reason="the platform DPO's queue lists every tenant's audit requests"
        )
        .select_related("tenant")
        .order_by("-filed_at")[:limit]
    )
    return sorted(rows, key=lambda r: r.state not in WAITING_ON_PLATFORM)


def audit_request_for_dpo(*, id) -> AuditRequest:
    try:
        return (
            AuditRequest.objects.dangerously_unscoped(
                reason="the platform DPO answers any tenant's audit request"
            )
            .select_related("tenant", "decided_by__user")
            .get(pk=id)
        )
    except (AuditRequest.DoesNotExist, ValueError):
        raise NotFound("No audit request with this id.") from None


def audit_request_owners(tenant_id) -> list[Membership]:
    """The tenant's active members who may request audits (its owners)."""
    return [
        m
        for m in Membership.objects.for_tenant(tenant_id)
        .filter(revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        if m.can(Capability.AUDIT_REQUEST)
    ]
