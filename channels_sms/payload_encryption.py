"""Encrypting a webhook payload that no tenant owns yet (channels_sms.UnroutedDelivery).

Tenant data is encrypted under tenant keys; a text to a platform number that no
tenant holds has no tenant. It gets a fresh AES-256 key of its own, wrapped by
the master key source (the same one that wraps tenant keys), bound to the row.
Deleting the row destroys the only copy of its key.
"""

import json
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from privacy.crypto import decrypt, encrypt
from privacy.keys import KEY_BYTES, master_key_source

# The model's former name, kept: payloads stored before the rename still decrypt.
_LABEL = "channels_sms.unroutedevent"


def _contexts(row_id) -> tuple[bytes, bytes]:
    return (
        f"instaply/sms-unrouted-key/{row_id}".encode(),
        f"{_LABEL}|payload|{row_id}".encode(),
    )


def encrypt_payload(*, row_id, payload: dict) -> tuple[int, bytes, bytes]:
    """(master version, wrapped key, encrypted payload) for a new row."""
    key_context, value_context = _contexts(row_id)
    key = os.urandom(KEY_BYTES)
    master_version, wrapped = master_key_source().wrap(key, context=key_context)
    data = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return master_version, wrapped, encrypt(AESGCM(key), data, value_context)


def decrypt_payload(*, row_id, master_version: int, wrapped_key: bytes, encrypted: bytes) -> dict:
    key_context, value_context = _contexts(row_id)
    key = master_key_source().unwrap(master_version, bytes(wrapped_key), context=key_context)
    return json.loads(decrypt(AESGCM(key), bytes(encrypted), value_context))


def rewrap_unrouted_keys() -> int:
    """Moves every unrouted delivery's key under the active master key (called by
    ``rotate_master_key``); the payloads themselves are not re-encrypted."""
    from django.db import transaction

    from channels_sms.models import UnroutedDelivery

    source = master_key_source()
    moved = 0
    pending = UnroutedDelivery.objects.exclude(master_version=source.active_version)
    while True:
        with transaction.atomic():
            batch = list(pending.select_for_update(skip_locked=True).order_by("pk")[:200])
            for row in batch:
                key_context, _ = _contexts(row.pk)
                key = source.unwrap(row.master_version, bytes(row.wrapped_key), context=key_context)
                row.master_version, row.wrapped_key = source.wrap(key, context=key_context)
                row.save(update_fields=["master_version", "wrapped_key"])
        if not batch:
            return moved
        moved += len(batch)
