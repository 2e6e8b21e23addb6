"""Finding, creating and destroying keys of the hierarchy.

master key (INSTAPLY_MASTER_KEYS or a KMS)
  └─ tenant key, versioned               privacy.TenantKey(purpose=data)
       └─ data key, one per subject      privacy.DataKey (id = contact id, or tenant id)
  └─ tenant index root                   privacy.TenantKey(purpose=index)
       └─ blind-index keys, by HKDF per kind of value

Every wrapped key is bound (AEAD associated data) to where it belongs, so a
wrapped key copied to another tenant, subject or version does not open.
"""

import logging
import os
import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from privacy.crypto import ERASED, DecryptionError
from privacy.erasure_ledger import ledger_append
from privacy.keycache import KeyCache
from privacy.keys import KEY_BYTES, NONCE_BYTES, UnwrapError, master_key_source
from privacy.models import DataKey, TenantKey

logger = logging.getLogger(__name__)

Purpose = TenantKey.Purpose

cache = KeyCache(
    max_entries=settings.ENCRYPTION_KEY_CACHE_SIZE,
    ttl_seconds=settings.ENCRYPTION_KEY_CACHE_SECONDS,
)


def _tenant_key_context(tenant_id, purpose: str, version: int) -> bytes:
    return f"instaply/tenant-key/{tenant_id}/{purpose}/{version}".encode()


def _data_key_context(tenant_id, subject_id, tenant_key_version: int) -> bytes:
    return f"instaply/data-key/{tenant_id}/{subject_id}/{tenant_key_version}".encode()


# Tenant keys -----------------------------------------------------------------


def tenant_key_material(row: TenantKey) -> bytes:
    cached = cache.get(("tenant", row.pk))
    if cached is None:
        try:
            cached = master_key_source().unwrap(
                row.master_version,
                bytes(row.wrapped_key),
                context=_tenant_key_context(row.tenant_id, row.purpose, row.version),
            )
        except UnwrapError as exc:
            logger.error("tenant key %s v%s does not unwrap: %s", row.tenant_id, row.version, exc)
            raise DecryptionError(f"tenant key v{row.version} does not unwrap: {exc}") from None
        cache.put(("tenant", row.pk), cached)
    return cached


def tenant_key_create(*, tenant_id, purpose: str, version: int) -> TenantKey:
    source = master_key_source()
    material = os.urandom(KEY_BYTES)
    master_version, wrapped = source.wrap(
        material, context=_tenant_key_context(tenant_id, purpose, version)
    )
    return TenantKey.objects.create(
        tenant_id=tenant_id,
        purpose=purpose,
        version=version,
        master_version=master_version,
        wrapped_key=wrapped,
    )


def tenant_keys_provision(tenant_id) -> None:
    """Version 1 of each purpose's key, for a tenant just created."""
    for purpose in Purpose:
        tenant_key_create(tenant_id=tenant_id, purpose=purpose, version=1)


def current_tenant_key(tenant_id, purpose: str = Purpose.DATA) -> TenantKey:
    """The newest version. Created on first use only for a tenant older than
    ``tenant_keys_provision`` (safe against a concurrent creator)."""
    row = (
        TenantKey.objects.for_tenant(tenant_id).filter(purpose=purpose).order_by("-version").first()
    )
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return tenant_key_create(tenant_id=tenant_id, purpose=purpose, version=1)
    except IntegrityError:
        return TenantKey.objects.for_tenant(tenant_id).get(purpose=purpose, version=1)


def rewrap_tenant_key(row: TenantKey) -> bool:
    """Wraps a tenant key under the active master key; False when it already is."""
    source = master_key_source()
    if row.master_version == source.active_version:
        return False
    material = tenant_key_material(row)
    row.master_version, row.wrapped_key = source.wrap(
        material, context=_tenant_key_context(row.tenant_id, row.purpose, row.version)
    )
    row.save(update_fields=["master_version", "wrapped_key"])
    return True


# Data keys -------------------------------------------------------------------


def _wrap_data_key(tenant_key: TenantKey, subject_id, material: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    context = _data_key_context(tenant_key.tenant_id, subject_id, tenant_key.version)
    return nonce + AESGCM(tenant_key_material(tenant_key)).encrypt(nonce, material, context)


def _unwrap_data_key(row: DataKey) -> bytes:
    tenant_key = row.tenant_key
    context = _data_key_context(row.tenant_id, row.pk, tenant_key.version)
    wrapped = bytes(row.wrapped_key)
    try:
        material = AESGCM(tenant_key_material(tenant_key)).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context
        )
    except Exception:
        logger.error("data key %s of tenant %s does not unwrap", row.pk, row.tenant_id)
        raise DecryptionError("the subject's data key does not unwrap") from None
    return material


def slot(subject_id) -> int | None:
    """Where a subject's data key sits in the cache: its id as an integer, which
    hashes in C (a UUID hashes in Python, and a page looks up many)."""
    if type(subject_id) is uuid.UUID:
        return subject_id.int
    return None if subject_id is None else uuid.UUID(str(subject_id)).int


def cached_cipher(subject_id):
    """The subject's cipher (or ERASED) if this process has it, else None."""
    return cache.get(slot(subject_id))


def _remember(row: DataKey):
    cipher = ERASED if row.wrapped_key is None else AESGCM(_unwrap_data_key(row))
    cache.put(slot(row.pk), cipher)
    return cipher


def data_cipher(tenant_id, subject_id, *, create: bool = False):
    """The AES-GCM cipher of a subject's data key, or ERASED once destroyed.

    ``create`` makes the key when the subject has none yet (first write).
    """
    cipher = cache.get(slot(subject_id))
    if cipher is not None:
        return cipher
    row = (
        DataKey.objects.for_tenant(tenant_id)
        .select_related("tenant_key")
        .filter(pk=subject_id)
        .first()
    )
    if row is None:
        if not create:
            raise DecryptionError("the subject has no data key")
        row = data_key_create(tenant_id=tenant_id, subject_id=subject_id)
    return _remember(row)


def data_ciphers(tenant_id, subjects: dict) -> dict:
    """The ciphers (or ERASED) of many subjects, given as {slot: subject id}:
    {slot: cipher}, the keys not cached loaded in one query (none when all are).
    A subject with no data key is left out: reading its value alone says why."""
    ciphers, missing = {}, []
    get = cache.get
    for subject_slot, subject_id in subjects.items():
        cipher = get(subject_slot)
        if cipher is not None:
            ciphers[subject_slot] = cipher
        elif subject_id is not None:
            missing.append(subject_id)
    if missing:
        rows = DataKey.objects.for_tenant(tenant_id).select_related("tenant_key")
        for row in rows.filter(pk__in=missing):
            ciphers[slot(row.pk)] = _remember(row)
    return ciphers


def warm(tenant_id, subject_ids) -> None:
    """Loads the data keys a page will need in one query (none when all cached)."""
    data_ciphers(tenant_id, {slot(s): s for s in subject_ids if s is not None})


def data_key_create(*, tenant_id, subject_id) -> DataKey:
    # A key made inside a transaction that rolls back must not survive in the
    # cache under an id that could be used again.
    cache.evict(slot(subject_id))
    tenant_key = current_tenant_key(tenant_id)
    return DataKey.objects.create(
        id=subject_id,
        tenant_id=tenant_id,
        tenant_key=tenant_key,
        wrapped_key=_wrap_data_key(tenant_key, subject_id, os.urandom(KEY_BYTES)),
    )


def data_key_destroy(*, tenant_id, subject_id) -> bool:
    """Crypto-shredding: the wrapped key is overwritten with NULL. False if already.

    The erasure ledger gets its line before the destruction commits (and the
    destruction does not happen if the line cannot be written), so a restored
    backup never brings the key back (privacy/erasure_ledger.py)."""
    now = timezone.now()
    with transaction.atomic():
        updated = (
            DataKey.objects.for_tenant(tenant_id)
            .filter(pk=subject_id, wrapped_key__isnull=False)
            .update(wrapped_key=None, destroyed_at=now)
        )
        if updated:
            ledger_append(key_id=subject_id, tenant_id=tenant_id, destroyed_at=now)
    cache.evict(slot(subject_id))
    return bool(updated)


def rewrap_data_key(row: DataKey, tenant_key: TenantKey) -> None:
    """Moves a data key under another tenant key version (tenant key rotation)."""
    if row.wrapped_key is not None:
        row.wrapped_key = _wrap_data_key(tenant_key, row.pk, _unwrap_data_key(row))
    row.tenant_key = tenant_key
    row.save(update_fields=["wrapped_key", "tenant_key"])
    cache.evict(slot(row.pk))
