"""Verification of the hash chain, whole or one tenant's part of it.

Every seal is recomputed from the rows as they are now, and every link checked:
an altered event, a deleted or reordered row, a truncated tail or a pruned
prefix without its checkpoint each show as the first broken link, named by seq
and event id.
"""

from dataclasses import dataclass, field

from audit import chain
from audit.models import AuditEvent, AuditSeal, ChainHead
from instaply import rls


@dataclass
class Verdict:
    seals: int = 0
    events: int = 0
    checkpoints: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    head_hash: str = ""
    pending: int = 0
    broken_seq: int | None = None
    broken_event: str = ""
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.reason

    def break_at(self, seal: AuditSeal | None, reason: str) -> "Verdict":
        if not self.reason:
            self.broken_seq = seal.seq if seal is not None else None
            self.broken_event = str(seal.event_id or "") if seal is not None else ""
            self.reason = reason
        return self


# The chains are the platform's evidence about every tenant: reading them is
# platform work for row-level security (instaply/rls.py), whoever asks.
_READING_THE_CHAINS = "audit chain verification reads events and seals"


@rls.platform_reads(_READING_THE_CHAINS)
def verify_chain() -> Verdict:
    """Walks the global chain in seq order, in constant memory."""
    verdict = Verdict()
    seals = AuditSeal.objects.select_related("event").order_by("seq")
    previous: AuditSeal | None = None
    tenant_last: dict[str, AuditSeal] = {}
    checkpoints: dict[int, str] = {}
    first: AuditSeal | None = None
    for seal in seals.iterator(chunk_size=2000):
        if first is None:
            first = seal
        elif seal.seq != previous.seq + 1:
            return verdict.break_at(
                seal, f"seals {previous.seq + 1}..{seal.seq - 1} are missing (deleted)"
            )
        elif seal.prev_hash != previous.hash:
            return verdict.break_at(seal, "does not link to the previous seal (reordered?)")
        problem = _check_seal(seal)
        if problem:
            return verdict.break_at(seal, problem)
        if seal.kind == AuditSeal.Kind.EVENT:
            key = ChainHead.key_for(seal.tenant_id)
            problem = _check_tenant_link(seal, tenant_last.get(key), pruned=first.seq != 1)
            if problem:
                return verdict.break_at(seal, problem)
            tenant_last[key] = seal
            verdict.events += 1
        else:
            checkpoints[seal.checkpoint["pruned_through_seq"]] = seal.checkpoint[
                "pruned_through_hash"
            ]
            verdict.checkpoints += 1
        verdict.seals += 1
        previous = seal

    if first is not None:
        _check_start(verdict, first, checkpoints)
        if not verdict.intact:
            return verdict
        verdict.first_seq, verdict.last_seq, verdict.head_hash = (
            first.seq,
            previous.seq,
            previous.hash,
        )
    _check_heads(verdict, previous, tenant_last)
    verdict.pending = (
        AuditEvent.objects.dangerously_unscoped(reason="the global chain spans every tenant")
        .filter(seal__isnull=True)
        .count()
    )
    return verdict


@rls.platform_reads(_READING_THE_CHAINS)
def verify_tenant_chain(tenant) -> Verdict:
    """Walks one tenant's chain in tenant_seq order: what the tenant can check in
    its export, plus the comparison with the head we keep for it."""
    verdict = Verdict()
    seals = (
        AuditSeal.objects.filter(tenant_id=tenant.pk, kind=AuditSeal.Kind.EVENT)
        .select_related("event")
        .order_by("tenant_seq")
    )
    pruned = AuditSeal.objects.filter(kind=AuditSeal.Kind.CHECKPOINT).exists()
    previous = None
    for seal in seals.iterator(chunk_size=2000):
        problem = _check_seal(seal) or _check_tenant_link(seal, previous, pruned=pruned)
        if problem:
            return verdict.break_at(seal, problem)
        if previous is None:
            verdict.first_seq = seal.tenant_seq
        verdict.seals += 1
        verdict.events += 1
        previous = seal
    if previous is not None:
        verdict.last_seq, verdict.head_hash = previous.tenant_seq, previous.hash
    head = ChainHead.objects.filter(key=ChainHead.key_for(tenant.pk)).first()
    if head is not None and previous is None:
        return verdict.break_at(None, f"the tenant's chain is empty but its head is {head.seq}")
    if head is not None and (head.seq, head.hash) != (previous.tenant_seq, previous.hash):
        return verdict.break_at(
            previous,
            f"the tenant's chain ends at {previous.tenant_seq} but its head records {head.seq}"
            " (newer seals were deleted)",
        )
    verdict.pending = AuditEvent.objects.for_tenant(tenant).filter(seal__isnull=True).count()
    return verdict


def _check_seal(seal: AuditSeal) -> str:
    if seal.kind == AuditSeal.Kind.EVENT and seal.event is None:
        return "its event row is missing (deleted)"
    if seal.kind == AuditSeal.Kind.CHECKPOINT and not seal.checkpoint:
        return "a checkpoint without its content"
    if seal.kind == AuditSeal.Kind.EVENT and seal.event.tenant_id != seal.tenant_id:
        return "its event moved to another tenant"
    if chain.expected_hash(seal) != seal.hash:
        return "its content does not match its hash (altered)"
    return ""


def _check_tenant_link(seal: AuditSeal, previous: AuditSeal | None, *, pruned: bool) -> str:
    if previous is None:
        if seal.tenant_seq == 1 and seal.tenant_prev_hash == chain.GENESIS:
            return ""
        # After retention a tenant's chain starts wherever the pruned prefix ended.
        return "" if pruned else "the tenant's chain does not start at its first link"
    if seal.tenant_seq != previous.tenant_seq + 1:
        return f"tenant seal {previous.tenant_seq + 1} is missing (deleted)"
    if seal.tenant_prev_hash != previous.hash:
        return "does not link to the tenant's previous seal (reordered?)"
    return ""


def _check_start(verdict: Verdict, first: AuditSeal, checkpoints: dict[int, str]) -> None:
    if first.seq == 1:
        if first.prev_hash != chain.GENESIS:
            verdict.break_at(first, "the first seal does not start from the genesis hash")
        return
    # A pruned prefix is legitimate only when a checkpoint further on vouches for it.
    if checkpoints.get(first.seq - 1) != first.prev_hash:
        verdict.break_at(
            first, f"seals before {first.seq} were removed without a retention checkpoint"
        )
    else:
        verdict.notes.append(f"seals before {first.seq} were pruned by retention (checkpoint)")


def _check_heads(verdict, last: AuditSeal | None, tenant_last: dict[str, AuditSeal]) -> None:
    heads = {h.key: h for h in ChainHead.objects.all()}
    head = heads.pop(ChainHead.GLOBAL, None)
    if head is not None and head.seq and (last is None or head.seq != last.seq):
        ends = last.seq if last is not None else 0
        verdict.break_at(
            last, f"the chain ends at seq {ends} but its head records {head.seq} (tail deleted)"
        )
        return
    if head is not None and last is not None and head.hash != last.hash:
        verdict.break_at(last, "the last seal does not match the recorded head")
        return
    for key, tenant_head in sorted(heads.items()):
        seen = tenant_last.get(key)
        if seen is not None and (seen.tenant_seq, seen.hash) != (tenant_head.seq, tenant_head.hash):
            verdict.break_at(
                seen, f"{key} ends at {seen.tenant_seq} but its head records {tenant_head.seq}"
            )
            return
