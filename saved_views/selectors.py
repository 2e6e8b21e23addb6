"""A member's own saved views: another member's view is the same 404 as a missing one."""

from saved_views.models import SavedView
from tenants.models import Membership
from tenants.scoping import tenant_get


def saved_view_list(*, member: Membership) -> list[SavedView]:
    # Index: saved_view_name_once (tenant, membership, name).
    return list(
        SavedView.objects.for_tenant(member.tenant_id).filter(membership=member).order_by("name")
    )


def saved_view_get(*, member: Membership, id) -> SavedView:
    return tenant_get(
        SavedView.objects.filter(membership=member),
        tenant=member.tenant_id,
        id=id,
        what="saved view",
    )
