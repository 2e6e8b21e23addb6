"""Retention: the one sanctioned path past the append-only triggers.

Only a prefix of the chain is ever removed, so what remains is still one
unbroken chain. Before removing it, a checkpoint seal is appended at the head
naming the last removed seal and its hash; verification accepts a chain that
starts after seq 1 only when such a checkpoint vouches for its first link. The
checkpoint and the deletion commit together, or neither does.
"""

import datetime as dt
from dataclasses import dataclass

import pgtrigger
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent, AuditSeal
from audit.sealing import ChainAppender, lock_head, seal_events

# Every removal is bounded, so one run never holds the sealing lock for long.
PRUNE_BATCH = 5000
IGNORE_TRIGGERS = ("audit.AuditEvent:append_only", "audit.AuditSeal:append_only")


@dataclass(frozen=True)
class RetentionRun:
    events_pruned: int
    checkpoints: int
    cutoff: dt.datetime


def enforce_retention(*, now: dt.datetime | None = None) -> RetentionRun:
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    # Every committed event takes its place in the chain before anything goes.
    seal_events(full=True)
    pruned = checkpoints = 0
    while (removed := _prune_one_batch(cutoff=cutoff, now=now)) is not None:
        pruned += removed
        checkpoints += 1
    return RetentionRun(events_pruned=pruned, checkpoints=checkpoints, cutoff=cutoff)


def _prune_one_batch(*, cutoff: dt.datetime, now: dt.datetime) -> int | None:
    """Removes up to PRUNE_BATCH seals older than the cutoff from the start of the
    chain; returns how many events went, or None when nothing is due."""
    with transaction.atomic():
        head = lock_head(wait=True)
        low = AuditSeal.objects.order_by("seq").values_list("seq", flat=True).first()
        if low is None:
            return None
        # The first seal that must stay: a recent event or a recent checkpoint.
        keeper = (
            AuditSeal.objects.filter(seq__gte=low)
            .filter(
                Q(kind=AuditSeal.Kind.EVENT, event__created_at__gte=cutoff)
                | Q(kind=AuditSeal.Kind.CHECKPOINT, sealed_at__gte=cutoff)
            )
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        through = min(head.seq if keeper is None else keeper - 1, low + PRUNE_BATCH - 1)
        if through < low:
            return None
        doomed = AuditSeal.objects.filter(seq__gte=low, seq__lte=through)
        event_ids = list(doomed.exclude(event=None).values_list("event_id", flat=True))
        last = AuditSeal.objects.get(seq=through)

        appender = ChainAppender(head, now=now)
        appender.append_checkpoint(
            {
                "pruned_from_seq": low,
                "pruned_through_seq": through,
                "pruned_through_hash": last.hash,
                "events_pruned": len(event_ids),
                "cutoff": chain.timestamp(cutoff),
            }
        )
        appender.save()
        with pgtrigger.ignore(*IGNORE_TRIGGERS):
            doomed.dangerously_prune()
            AuditEvent.objects.dangerously_unscoped(
                reason="retention prunes every tenant's expired events"
            ).filter(pk__in=event_ids).dangerously_prune()
        return len(event_ids)
