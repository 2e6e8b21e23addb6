"""The periodic repair and pruning of the report facts (``reports.reconcile``)
and the backfill (``manage.py reports_backfill``): one rule for both.

Events keep cycles current (reports.services). This compares them with the
conversations themselves, for those active since ``since`` (all of them for a
backfill), and mends what an event missed: a conversation with no cycle, a
closed conversation whose cycle is open, an open conversation whose cycles are
all closed, an open cycle with no first response though a member replied.
Every rule checks before it writes, so a run repeated (or two at once, which
the row constraints settle) changes nothing more.

This is the one place that reads message rows for reports: the time and sender
of the first member reply of the few conversations being mended, never a body.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from reports import services
from reports.models import ConversationCycle

BATCH = 500
CONVERSATION_COLUMNS = (
    "id", "tenant_id", "shop_id", "channel", "status", "assignee_id",
    "created_at", "closed_at", "last_activity_at",
)  # fmt: skip


class _Row:
    """A conversation's columns, with the attributes the services read."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
        self.pk = values["id"]


def reconcile_tenant(*, tenant_id, since: dt.datetime | None, now=None) -> int:
    """Mends the cycles of one tenant's conversations active since ``since``
    (None: all of them); returns how many conversations needed it."""
    from conversations.models import Conversation

    now = now or timezone.now()
    conversations = Conversation.objects.for_tenant(tenant_id)
    if since is not None:
        conversations = conversations.filter(
            Q(last_activity_at__gte=since) | Q(closed_at__gte=since) | Q(created_at__gte=since)
        )
    mended, after = 0, None
    while True:
        page = conversations.order_by("id")
        if after is not None:
            page = page.filter(id__gt=after)
        rows = [_Row(values) for values in page.values(*CONVERSATION_COLUMNS)[:BATCH]]
        if not rows:
            return mended
        with transaction.atomic():
            mended += _mend(tenant_id, rows, now)
        after = rows[-1].pk


def _mend(tenant_id, rows: list[_Row], now) -> int:
    from conversations.models import Conversation, Reopening

    cycles: dict = {}
    for cycle in (
        ConversationCycle.objects.for_tenant(tenant_id)
        .filter(conversation_id__in=[row.pk for row in rows])
        .order_by("opened_at")
    ):
        cycles.setdefault(cycle.conversation_id, []).append(cycle)
    replies = _first_replies(tenant_id, rows, cycles)
    mended = 0
    for row in rows:
        closed = row.status == Conversation.Status.CLOSED
        closed_at = row.closed_at or row.last_activity_at
        own = cycles.get(row.pk, [])
        current = own[-1] if own else None
        reply = replies.get(row.pk)
        if current is None:
            services.cycle_open(conversation=row, at=row.created_at)
            if reply:
                services.cycle_respond(conversation=row, responder_id=reply[1], at=reply[0])
            if closed:
                services.cycle_close(conversation=row, at=max(closed_at, row.created_at))
        elif current.closed_at is None and closed:
            services.cycle_close(conversation=row, at=max(closed_at, current.opened_at))
        elif current.closed_at is not None and not closed:
            reopened = (
                Reopening.objects.for_tenant(tenant_id)
                .filter(conversation_id=row.pk, created_at__gte=current.closed_at)
                .aggregate(at=Min("created_at"))["at"]
            )
            services.cycle_open(conversation=row, at=reopened or current.closed_at, reopened=True)
        elif current.first_response_at is None and reply:
            services.cycle_respond(conversation=row, responder_id=reply[1], at=reply[0])
        else:
            continue
        mended += 1
    return mended


def _first_replies(tenant_id, rows, cycles) -> dict:
    """(time, member) of the first member reply in the current cycle, for the
    conversations whose current cycle (or lack of one) has no first response."""
    from conversations.models import Message

    since = {}
    for row in rows:
        own = cycles.get(row.pk)
        if not own:
            since[row.pk] = row.created_at
        elif own[-1].first_response_at is None:
            since[row.pk] = own[-1].opened_at
    if not since:
        return {}
    first = {}
    # Index: message_tenant_thread (tenant, conversation, id); times and senders only.
    for conversation_id, created_at, sender_id in (
        Message.objects.for_tenant(tenant_id)
        .filter(
            conversation_id__in=list(since),
            direction=Message.Direction.OUTBOUND,
            sender_kind=Message.SenderKind.MEMBER,
        )
        .order_by("created_at")
        .values_list("conversation_id", "created_at", "sender_id")
    ):
        if created_at >= since[conversation_id] and conversation_id not in first:
            first[conversation_id] = (created_at, sender_id)
    return first


def prune(*, now=None) -> int:
    """Deletes the cycles closed more than REPORTS_KEEP_DAYS ago, every tenant's."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.REPORTS_KEEP_DAYS)
    deleted, _ = (
        ConversationCycle.objects.dangerously_unscoped(
            reason="report facts past their retention, every tenant's"
        )
        .filter(closed_at__lt=cutoff)
        .delete()
    )
    return deleted
