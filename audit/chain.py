"""The canonical encoding of the hash chain. docs/audit-log.md describes the same
procedure in words and in a standalone snippet; change both or neither.

A seal's hash is SHA-256, in lowercase hex, over the UTF-8 bytes of one JSON
object written with sorted keys, no spaces, ASCII escapes for anything outside
ASCII, and no floating-point numbers:

    {"v": 1, "kind": "event", "seq": <int>, "prev_hash": "<hex>",
     "tenant_seq": <int>, "tenant_prev_hash": "<hex>", "event": {...}}

where "event" holds every field of EVENT_FIELDS as a string (empty when absent;
timestamps as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; UUIDs lowercase with hyphens),
except ``metadata``, the event's own flat JSON object. A retention checkpoint is
``{"v": 1, "kind": "checkpoint", "seq", "prev_hash", "checkpoint": {...}}``.
The first link of every chain has the all-zero ``prev_hash``.
"""

import datetime as dt
import hashlib
import json

VERSION = 1
GENESIS = "0" * 64

EVENT_FIELDS = (
    "id",
    "created_at",
    "tenant_id",
    "actor_kind",
    "actor_id",
    "actor_member_id",
    "action",
    "outcome",
    "target_kind",
    "target_id",
    "ip",
    "user_agent",
    "request_id",
    "metadata",
)
SEAL_FIELDS = ("seq", "prev_hash", "tenant_seq", "tenant_prev_hash", "hash")


def timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value) -> str:
    return "" if value is None else str(value)


def event_fields(event) -> dict:
    """The event as the chain sees it (and as the export writes it)."""
    return {
        "id": str(event.id),
        "created_at": timestamp(event.created_at),
        "tenant_id": _text(event.tenant_id),
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "actor_member_id": _text(event.actor_member_id),
        "action": event.action,
        "outcome": event.outcome,
        "target_kind": event.target_kind,
        "target_id": event.target_id,
        "ip": _text(event.ip),
        "user_agent": event.user_agent,
        "request_id": event.request_id,
        "metadata": event.metadata or {},
    }


def encode(payload: dict) -> bytes:
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def digest(payload: dict) -> str:
    return hashlib.sha256(encode(payload)).hexdigest()


def event_seal_hash(
    *, seq: int, prev_hash: str, tenant_seq: int, tenant_prev_hash: str, fields: dict
) -> str:
    return digest(
        {
            "v": VERSION,
            "kind": "event",
            "seq": seq,
            "prev_hash": prev_hash,
            "tenant_seq": tenant_seq,
            "tenant_prev_hash": tenant_prev_hash,
            "event": fields,
        }
    )


def checkpoint_seal_hash(*, seq: int, prev_hash: str, checkpoint: dict) -> str:
    return digest(
        {
            "v": VERSION,
            "kind": "checkpoint",
            "seq": seq,
            "prev_hash": prev_hash,
            "checkpoint": checkpoint,
        }
    )


def expected_hash(seal) -> str:
    """What ``seal.hash`` must be, recomputed from the rows as they are now."""
    if seal.kind == "checkpoint":
        return checkpoint_seal_hash(
            seq=seal.seq, prev_hash=seal.prev_hash, checkpoint=seal.checkpoint or {}
        )
    return event_seal_hash(
        seq=seal.seq,
        prev_hash=seal.prev_hash,
        tenant_seq=seal.tenant_seq,
        tenant_prev_hash=seal.tenant_prev_hash,
        fields=event_fields(seal.event),
    )
