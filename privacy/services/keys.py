"""Key rotation and crypto-shredding.

Rotations re-wrap keys and never re-encrypt values: a message body stays encrypted
under its contact's data key, only the wrapping of that key changes. Both walk
in small batches, each in its own transaction, so an interrupted run resumes
where it stopped.
"""

from collections.abc import Callable

from django.db import transaction
from django.db.models import ProtectedError

from audit.recorder import Actor, record
from privacy import keyring
from privacy.keys import master_key_source
from privacy.models import DataKey, TenantKey

Progress = Callable[[int, int], None]
BATCH = 200


def _silent(done: int, total: int) -> None:
    pass


# Other keys wrapped directly by the master key (e.g. channels_sms's encrypted
# payloads of unrouted webhooks) register a function that re-wraps theirs.
_other_master_wrapped: list[Callable[[], int]] = []


def register_master_wrapped(rewrap: Callable[[], int]) -> None:
    """``rewrap()`` moves its keys under the active master key and returns how many."""
    if rewrap not in _other_master_wrapped:
        _other_master_wrapped.append(rewrap)


def master_key_rotate(*, progress: Progress = _silent) -> int:
    """Re-wraps every key the master key wraps (tenant keys, then the registered
    others) under the active master key. Returns how many tenant keys moved."""
    active = master_key_source().active_version
    pending = TenantKey.objects.dangerously_unscoped(
        reason="master key rotation re-wraps every tenant's key"
    ).exclude(master_version=active)
    total, done = pending.count(), 0
    while True:
        with transaction.atomic():
            batch = list(pending.select_for_update(skip_locked=True).order_by("pk")[:BATCH])
            for row in batch:
                keyring.rewrap_tenant_key(row)
        if not batch:
            break
        done += len(batch)
        progress(done, total)
    others = sum(rewrap() for rewrap in _other_master_wrapped)
    record(
        "key.rotated",
        actor=Actor.system("rotate_master_key"),
        target=("master_key", active),
        metadata={"level": "master", "tenant_keys_rewrapped": done, "other_keys_rewrapped": others},
    )
    return done


def tenant_key_rotate(*, tenant_id, progress: Progress = _silent) -> tuple[int, int]:
    """Adds a tenant key version (unless a previous run is unfinished), moves every
    data key under it, then destroys the older versions. Returns (version, moved)."""
    current = keyring.current_tenant_key(tenant_id)
    unfinished = DataKey.objects.for_tenant(tenant_id).exclude(tenant_key=current).exists()
    if not unfinished:
        with transaction.atomic():
            current = keyring.tenant_key_create(
                tenant_id=tenant_id, purpose=TenantKey.Purpose.DATA, version=current.version + 1
            )
    pending = DataKey.objects.for_tenant(tenant_id).exclude(tenant_key=current)
    total, moved = pending.count(), 0
    while True:
        with transaction.atomic():
            batch = list(
                pending.select_for_update(skip_locked=True).select_related("tenant_key")[:BATCH]
            )
            for row in batch:
                keyring.rewrap_data_key(row, current)
        if not batch:
            break
        moved += len(batch)
        progress(moved, total)
    destroyed = _destroy_older_versions(tenant_id, current)
    record(
        "key.rotated",
        tenant=tenant_id,
        actor=Actor.system("rotate_tenant_key"),
        target=("tenant_key", current.version),
        metadata={"level": "tenant", "data_keys_rewrapped": moved, "versions_destroyed": destroyed},
    )
    return current.version, moved


def _destroy_older_versions(tenant_id, current: TenantKey) -> int:
    older = TenantKey.objects.for_tenant(tenant_id).filter(
        purpose=TenantKey.Purpose.DATA, version__lt=current.version
    )
    destroyed = 0
    for row in older:
        try:
            with transaction.atomic():
                row.delete()  # PROTECT refuses while any data key still needs it
        except ProtectedError:
            continue
        keyring.cache.evict(("tenant", row.pk))
        destroyed += 1
    return destroyed


def data_key_destroy(*, tenant_id, subject_id, actor: Actor) -> bool:
    """Crypto-shredding of one subject, on record."""
    destroyed = keyring.data_key_destroy(tenant_id=tenant_id, subject_id=subject_id)
    if destroyed:
        record(
            "key.destroyed",
            tenant=tenant_id,
            actor=actor,
            target=("data_key", subject_id),
            metadata={"level": "subject"},
        )
    return destroyed
