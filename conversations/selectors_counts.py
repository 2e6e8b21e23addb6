"""How many conversations each status filter of the inbox holds, for the tabs.

Cost: one grouped query over the conversations in progress (open, pending,
snoozed), served by conv_tenant_status; it reads as many index entries as the
tenant has conversations in progress, which the team's workload bounds, not
the tenant's history. Closed conversations only grow, so their count is a
second, capped query (``LIMIT CLOSED_CAP + 1`` under the COUNT): it stops
reading at the cap, and the tab then says "1000+". Neither query reads a
message or decrypts anything.
"""

from django.db.models import Count

from conversations.models import Conversation
from conversations.selectors import _uuid
from tenants.models import Membership, Tenant

Status = Conversation.Status
IN_PROGRESS = (Status.OPEN, Status.PENDING, Status.SNOOZED)
CLOSED_CAP = 1000


def conversation_status_counts(
    *,
    tenant: Tenant,
    member: Membership,
    assignee: str | None = None,
    shop_id=None,
    label_id=None,
    channel: str | None = None,
) -> dict:
    """{"open": n, "pending": n, "snoozed": n, "closed": n, "closed_more": bool}
    under the same filters as the list (the status filter aside)."""
    rows = Conversation.objects.for_tenant(tenant)
    if assignee == "me":
        rows = rows.filter(assignee_id=member.id)
    elif assignee == "unassigned":
        rows = rows.filter(assignee__isnull=True)
    elif assignee:
        rows = rows.filter(assignee_id=_uuid(assignee, "assignee"))
    if shop_id:
        rows = rows.filter(shop_id=_uuid(shop_id, "shop"))
    if label_id:
        rows = rows.filter(labels=_uuid(label_id, "label"))
    if channel:
        rows = rows.filter(channel=channel)
    # Index: conv_tenant_status (tenant_id, status, ...).
    grouped = (
        rows.filter(status__in=IN_PROGRESS)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts = dict.fromkeys(Status.values, 0) | dict(grouped)
    closed = rows.filter(status=Status.CLOSED).order_by()[: CLOSED_CAP + 1].count()
    counts["closed"] = min(closed, CLOSED_CAP)
    counts["closed_more"] = closed > CLOSED_CAP
    return counts
