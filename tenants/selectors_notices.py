"""Reads of in-app notices: what one member may see.

A member sees a notice addressed to a capability their role holds, posted
since they joined (a newcomer does not inherit old news), unless they
dismissed it. A revoked member sees none.
"""

from django.db.models import Exists, OuterRef, QuerySet

from tenants.models import Membership, Notice, NoticeRead
from tenants.permissions import Capability
from tenants.scoping import tenant_get


def _addressed_to(membership: Membership) -> QuerySet[Notice]:
    held = [str(c) for c in Capability if membership.can(c)]
    dismissed = NoticeRead.objects.for_tenant(membership.tenant_id).filter(
        notice=OuterRef("pk"), membership=membership
    )
    # Index: notice_tenant_cap (tenant, capability, created_at).
    notices = (
        Notice.objects.for_tenant(membership.tenant_id)
        .filter(capability__in=held, created_at__gte=membership.created_at)
        .annotate(dismissed=Exists(dismissed))
    )
    return notices if membership.is_active else notices.none()


def notice_list(*, membership: Membership, dismissed: bool = False) -> QuerySet[Notice]:
    """The member's unread notices (or the ones they dismissed), newest first."""
    return _addressed_to(membership).filter(dismissed=dismissed).order_by("-created_at", "-id")


def notice_unread_count(*, membership: Membership) -> int:
    return notice_list(membership=membership).count()


def notice_get(*, membership: Membership, id) -> Notice:
    """A notice this member may see (read or not); any other id is a 404."""
    return tenant_get(_addressed_to(membership), tenant=membership.tenant_id, id=id, what="notice")
