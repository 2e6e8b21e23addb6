"""The tenant's view of its access grants: what awaits a decision, what is live, what ended."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from platform_staff.models import AccessGrant, AccessGrantConversation
from platform_staff.selectors.grants import grant_list
from tenants.models import Tenant

Status = AccessGrant.Status


@dataclass
class GrantBoard:
    pending: list = field(default_factory=list)
    live: list = field(default_factory=list)
    past: list = field(default_factory=list)


def grant_board(*, tenant: Tenant, now: dt.datetime | None = None, past_limit: int = 50):
    """Every request of the tenant sorted by what it needs, each with ``state`` and
    ``conversation_rows`` (the conversations it asked for or was narrowed to).

    Two queries whatever the number of grants; past ones are cut to the newest
    ``past_limit`` (the transparency page keeps the whole story)."""
    now = now or timezone.now()
    grants = list(grant_list(tenant=tenant)[:500])
    rows = (
        AccessGrantConversation.objects.for_tenant(tenant)
        .filter(grant__in=[g.pk for g in grants])
        .select_related("conversation")
        .order_by("conversation__created_at", "conversation_id")
    )
    by_grant: dict = {}
    for row in rows:
        by_grant.setdefault(row.grant_id, []).append(row)
    board = GrantBoard()
    for grant in grants:
        grant.current_state = grant.state(now)
        grant.conversation_rows = by_grant.get(grant.pk, [])
        if grant.current_state == Status.PENDING:
            board.pending.append(grant)
        elif grant.current_state == Status.APPROVED:
            board.live.append(grant)
        elif len(board.past) < past_limit:
            board.past.append(grant)
    # The decision due soonest first: it is the one that lapses next.
    board.pending.sort(key=lambda g: g.decision_due_at)
    return board
