"""How many conversations each status filter of the inbox holds, for the tabs.

Cost: one small query per status, each an index range scan of conv_tenant_status
(tenant, status, ...) that stops at ``CAP + 1`` entries (``COUNT(*)`` over a
``LIMIT``): at most 4 x 1,000 index entries whatever the tenant's volume, so a
tenant with 20,000 open conversations pays what one with 1,000 pays, and the tab
says "999+". No message is read and nothing is decrypted. (One grouped COUNT
would be a single statement but would read every conversation in progress:
its cost would grow with the tenant.)
"""

from django.utils.formats import number_format

from conversations.models import Conversation
from conversations.selectors import _uuid
from tenants.models import Membership, Tenant

Status = Conversation.Status
CAP = 999


def conversation_status_counts(
    *,
    tenant: Tenant,
    member: Membership,
    assignee: str | None = None,
    shop_id=None,
    label_id=None,
    channel: str | None = None,
) -> dict:
    """{"open": n, "pending": n, ..., "more": {statuses past the cap}} under the
    same filters as the list (the status filter aside)."""
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
    counts, more = {}, set()
    for status in Status.values:
        # Index: conv_tenant_status (tenant_id, status, ...), read up to CAP + 1 rows.
        found = rows.filter(status=status).order_by()[: CAP + 1].count()
        counts[status] = min(found, CAP)
        if found > CAP:
            more.add(status)
    counts["more"] = more
    return counts


def count_shown(counts: dict | None, status: str) -> str:
    """The figure a status tab shows, in the active language: "" when not
    counted ("any", a search), "999+" past the cap. The page's template filter
    and the counts endpoint both say it this way, so a live refresh shows what a
    reload would."""
    if not counts or status not in counts or status == "more":
        return ""
    shown = number_format(counts[status], force_grouping=True)
    return f"{shown}+" if status in counts.get("more", ()) else shown
