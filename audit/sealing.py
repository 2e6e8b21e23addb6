"""Sealing: appending committed events to the hash chain, off the request path.

Requests only INSERT events; they never wait for this. One sealer runs at a
time: it holds the ``global`` ChainHead row (skipping the run when another
sealer holds it), picks every committed event that has no seal yet, and writes
one seal row per event.

Why no event is ever skipped: the selection is "events without a seal", not
"events after the last sealed one", so an event committed late, with an older
timestamp than events already sealed, is simply sealed by the next run, at a
later place in the chain. The look-back window only bounds how far back that
search reaches; ``safe_since`` records that every event created before it is
sealed, which holds as long as no transaction stays open longer than
``AUDIT_SEAL_LOOKBACK_SECONDS``. A full sweep (``full=True``, run by retention
every day) searches the whole table regardless.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent, AuditSeal, ChainHead

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SealRun:
    sealed: int
    head_seq: int
    head_hash: str
    busy: bool = False


def seal_events(*, full: bool = False, max_events: int | None = None) -> SealRun:
    """Seals pending events; returns how many, and the head of the chain."""
    with transaction.atomic():
        head = lock_head(wait=False)
        if head is None:
            return SealRun(sealed=0, head_seq=0, head_hash="", busy=True)
        started = timezone.now()
        since = None if full else head.safe_since
        appender = ChainAppender(head, now=started)
        capped = False
        while batch := list(_unsealed(since)[: settings.AUDIT_SEAL_BATCH_SIZE]):
            appender.append_events(batch)
            if max_events is not None and appender.sealed >= max_events:
                capped = True
                break
        horizon = started - dt.timedelta(seconds=settings.AUDIT_SEAL_LOOKBACK_SECONDS)
        if capped:
            # Stopped early: nothing older than the first event left behind is pending.
            left = _unsealed(since).values_list("created_at", flat=True).first()
            horizon = min(horizon, left) if left is not None else horizon
        if head.safe_since is None or horizon > head.safe_since:
            head.safe_since = horizon
        appender.save()
    if appender.sealed:
        # The head hash in the logs is an anchor outside the database.
        logger.info(
            "audit chain sealed %d events; head seq %d hash %s",
            appender.sealed,
            head.seq,
            head.hash,
        )
    return SealRun(sealed=appender.sealed, head_seq=head.seq, head_hash=head.hash)


def lock_head(*, wait: bool) -> ChainHead | None:
    """The global head, locked for this transaction; None when another holds it.

    The very first run creates the row; a run racing it waits for that commit
    instead of skipping, once. Requests never touch this row.
    """
    ChainHead.objects.get_or_create(key=ChainHead.GLOBAL, defaults={"hash": chain.GENESIS})
    heads = ChainHead.objects.filter(key=ChainHead.GLOBAL)
    return heads.select_for_update(skip_locked=not wait).first()


def _unsealed(since):
    events = AuditEvent.objects.dangerously_unscoped(
        reason="sealing chains every tenant's events"
    ).filter(seal__isnull=True)
    if since is not None:
        events = events.filter(created_at__gte=since)
    # Index: audit_time (created_at); the anti-join uses the seal's unique event_id.
    return events.order_by("created_at", "id")


class ChainAppender:
    """Appends seals after a locked global head, keeping the per-tenant heads."""

    def __init__(self, head: ChainHead, *, now):
        self.head = head
        self.now = now
        self.sealed = 0
        self.tenant_heads: dict[str, ChainHead] = {}
        self.new_keys: set[str] = set()

    def append_events(self, events: list[AuditEvent]) -> None:
        self._load_tenant_heads({ChainHead.key_for(e.tenant_id) for e in events})
        seals = []
        for event in events:
            tenant_head = self.tenant_heads[ChainHead.key_for(event.tenant_id)]
            seq, tenant_seq = self.head.seq + 1, tenant_head.seq + 1
            digest = chain.event_seal_hash(
                seq=seq,
                prev_hash=self.head.hash,
                tenant_seq=tenant_seq,
                tenant_prev_hash=tenant_head.hash,
                fields=chain.event_fields(event),
            )
            seals.append(
                AuditSeal(
                    seq=seq,
                    kind=AuditSeal.Kind.EVENT,
                    event=event,
                    tenant_id=event.tenant_id,
                    tenant_seq=tenant_seq,
                    tenant_prev_hash=tenant_head.hash,
                    prev_hash=self.head.hash,
                    hash=digest,
                    sealed_at=self.now,
                )
            )
            self.head.seq, self.head.hash = seq, digest
            tenant_head.seq, tenant_head.hash = tenant_seq, digest
        AuditSeal.objects.bulk_create(seals)
        self.sealed += len(seals)

    def append_checkpoint(self, checkpoint: dict) -> AuditSeal:
        seq = self.head.seq + 1
        digest = chain.checkpoint_seal_hash(
            seq=seq, prev_hash=self.head.hash, checkpoint=checkpoint
        )
        seal = AuditSeal(
            seq=seq,
            kind=AuditSeal.Kind.CHECKPOINT,
            prev_hash=self.head.hash,
            hash=digest,
            checkpoint=checkpoint,
            sealed_at=self.now,
        )
        seal.save()
        self.head.seq, self.head.hash = seq, digest
        return seal

    def save(self) -> None:
        self.head.updated_at = self.now
        self.head.save(update_fields=["seq", "hash", "safe_since", "updated_at"])
        for head in self.tenant_heads.values():
            head.updated_at = self.now
        ChainHead.objects.bulk_create([self.tenant_heads[k] for k in self.new_keys])
        ChainHead.objects.bulk_update(
            [h for k, h in self.tenant_heads.items() if k not in self.new_keys],
            ["seq", "hash", "updated_at"],
        )
        self.new_keys.clear()

    def _load_tenant_heads(self, keys: set[str]) -> None:
        missing = keys - set(self.tenant_heads)
        for head in ChainHead.objects.filter(key__in=missing):
            self.tenant_heads[head.key] = head
        for key in missing - set(self.tenant_heads):
            self.tenant_heads[key] = ChainHead(key=key, seq=0, hash=chain.GENESIS)
            self.new_keys.add(key)
