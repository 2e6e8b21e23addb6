"""Reads of tenant data. Every function takes the tenant and looks ids up inside it:
another tenant's object is the same 404 as a missing one."""

import datetime as dt

from django.db.models import Count, Prefetch, QuerySet

from tenants.models import ApiToken, Invitation, InvitationDelivery, Membership, Shop, Tenant
from tenants.scoping import tenant_get


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    # Index: membership_one_per_tenant (tenant_id, user_id).
    return Membership.objects.for_tenant(tenant).select_related("user").order_by("created_at", "id")


def membership_get(*, tenant: Tenant, id) -> Membership:
    return tenant_get(
        Membership.objects.select_related("user", "tenant"), tenant=tenant, id=id, what="member"
    )


def _with_delivery(invitations: QuerySet[Invitation], tenant: Tenant) -> QuerySet[Invitation]:
    """Invitation.delivery without a query per row: the deliveries, newest first,
    each with its count of attempts (index: invitation_delivery_tenant)."""
    deliveries = (
        InvitationDelivery.objects.for_tenant(tenant)
        .annotate(attempt_count=Count("attempts"))
        .order_by("-queued_at", "-id")
    )
    return invitations.prefetch_related(
        Prefetch("deliveries", queryset=deliveries, to_attr="deliveries_newest_first")
    )


def invitation_list(*, tenant: Tenant) -> QuerySet[Invitation]:
    invitations = Invitation.objects.for_tenant(tenant).filter(
        accepted_at__isnull=True, revoked_at__isnull=True
    )
    return _with_delivery(invitations, tenant).order_by("-created_at")


def invitation_get(*, tenant: Tenant, id) -> Invitation:
    return tenant_get(
        _with_delivery(Invitation.objects.for_tenant(tenant), tenant),
        tenant=tenant,
        id=id,
        what="invitation",
    )


def api_token_list(*, tenant: Tenant, membership: Membership | None) -> QuerySet[ApiToken]:
    """Tokens of one member, or of the whole tenant when membership is None."""
    tokens = ApiToken.objects.for_tenant(tenant).select_related("membership__user")
    if membership is not None:
        tokens = tokens.filter(membership=membership)
    return tokens.order_by("-created_at")


def api_token_get(*, tenant: Tenant, id, membership: Membership | None) -> ApiToken:
    return tenant_get(
        api_token_list(tenant=tenant, membership=membership), tenant=tenant, id=id, what="token"
    )


def shop_list(*, tenant: Tenant) -> QuerySet[Shop]:
    return Shop.objects.for_tenant(tenant).order_by("name", "id")


def shop_get(*, tenant: Tenant, id) -> Shop:
    return tenant_get(Shop.objects, tenant=tenant, id=id, what="shop")


def access_still_active(*, memberships: dict, tokens: dict) -> set[str]:
    """Of the given membership and API token ids (keyed by tenant id), those still
    active and allowed to read conversations: the live feed's once-a-second check
    of everyone waiting in one process, in two queries whatever their number."""
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    from tenants.permissions import Capability, role_can

    def scoped(ids_by_tenant: dict) -> Q:
        # Each id is looked up inside the tenant it was resolved in.
        return reduce(or_, (Q(tenant_id=t, id__in=ids) for t, ids in ids_by_tenant.items()))

    active: set[str] = set()
    if memberships:
        rows = (
            Membership.objects.dangerously_unscoped(
                reason="every waiter of the process at once, each id inside its own tenant"
            )
            .filter(scoped(memberships), revoked_at__isnull=True, user__is_active=True)
            .values_list("id", "role")
        )
        active |= {str(id) for id, role in rows if role_can(role, Capability.CONVERSATIONS_READ)}
    if tokens:
        rows = (
            ApiToken.objects.dangerously_unscoped(
                reason="every waiter of the process at once, each id inside its own tenant"
            )
            .filter(scoped(tokens), revoked_at__isnull=True)
            .values_list("id", flat=True)
        )
        active |= {str(id) for id in rows}
    return active


def tenant_reopen_window(tenant_id) -> dt.timedelta:
    """How long after its closing a conversation is reopened by the contact's
    new message (conversations.services.history); zero: never."""
    days = Tenant.objects.filter(pk=tenant_id).values_list("reopen_window_days", flat=True).first()
    return dt.timedelta(days=days or 0)


def tenant_assigns_on_reply(tenant_id) -> bool:
    """Whether replying to an unassigned conversation makes the replier its assignee."""
    return bool(
        Tenant.objects.filter(pk=tenant_id).values_list("assign_on_reply", flat=True).first()
    )
