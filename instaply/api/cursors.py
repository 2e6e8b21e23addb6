"""Opaque keyset cursors: stable pages however many rows come and go, and no
OFFSET or COUNT(*) whose cost grows with the tenant."""

import base64
import binascii
import datetime as dt
import json
import uuid

from instaply.errors import Invalid


def encode(*values) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode(cursor: str, *types) -> tuple:
    """Parses a cursor made by ``encode`` into values of ``types`` (datetime, uuid.UUID, int)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(types):
            raise ValueError
        values = []
        for kind, value in zip(types, raw, strict=True):
            if kind is dt.datetime:
                values.append(dt.datetime.fromisoformat(value))
            elif kind is uuid.UUID:
                values.append(uuid.UUID(value))
            else:
                values.append(kind(value))
        return tuple(values)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise Invalid(
            "This cursor is not valid.", fields={"cursor": ["Malformed cursor."]}
        ) from None


def page_size(raw, *, default: int = 25, maximum: int = 100) -> int:
    if raw in (None, ""):
        return default
    try:
        size = int(raw)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= maximum:
        raise Invalid(
            f"limit must be between 1 and {maximum}.",
            fields={"limit": [f"Between 1 and {maximum}."]},
        )
    return size
