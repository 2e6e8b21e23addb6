"""Tenants as the console sees them: facts and counts, never content.

Each count is a correlated subquery rather than a join, so one tenant's many
conversations do not multiply its members (and each stays on the index that
starts with ``tenant``).
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from channels_sms.models import PhoneNumber
from conversations.models import Conversation
from instaply import rls
from platform_staff.models import Disclosure
from tenants.models import Membership, Shop, Tenant

TENANTS_PER_PAGE = 50


def _count_of(model, **filters) -> Coalesce:
    rows = (
        model.objects.dangerously_unscoped(
            reason="the console counts rows per tenant, never content"
        )
        .filter(tenant=OuterRef("pk"), **filters)
        .order_by()
        .values("tenant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def tenant_list(*, search: str = "", page: int | str = 1) -> Page:
    """Tenants by name with their counts, one page at a time; ``search`` matches the name."""
    tenants = Tenant.objects.annotate(
        member_count=_count_of(Membership, revoked_at__isnull=True),
        shop_count=_count_of(Shop),
        phone_number_count=_count_of(PhoneNumber),
        conversation_count=_count_of(Conversation),
    ).order_by("name", "pk")
    search = search.strip()
    if search:
        tenants = tenants.filter(name__icontains=search)
    with rls.platform_reads("the console counts each tenant's rows, never content"):
        found = Paginator(tenants, TENANTS_PER_PAGE).get_page(page)
        found.object_list = list(found.object_list)
    return found


def tenant_totals() -> dict[str, int]:
    """What the DPO's and security's home pages count across the platform."""
    members = Membership.objects.dangerously_unscoped(
        reason="the console counts members across tenants"
    ).filter(revoked_at__isnull=True, user__is_active=True)
    disclosures = Disclosure.objects.dangerously_unscoped(
        reason="security counts untold disclosures across tenants"
    ).aggregate(untold=Count("pk", filter=Q(tenant_informed_at__isnull=True)))
    return {
        "tenants": Tenant.objects.count(),
        "members": members.count(),
        "disclosures_untold": disclosures["untold"],
    }
