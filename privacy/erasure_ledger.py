"""The erasure ledger: one line per crypto-shredded data key, kept outside the database.

A restored database backup must not bring back a subject erased after it was
taken. The key tables are backed up apart (backups/), and every destroyed data
key is written here, beside the backups, so a restore can destroy those keys
again before the restored data is served (backups/restore.py).

A line is ``{"key": <data key id>, "tenant": <tenant id>, "destroyed_at": <ISO time>}``:
ids and a time, nothing about the person. It is written (and flushed to disk)
inside the transaction that destroys the key, before that commits: a line may
name a key whose destruction then rolled back (the erasure is retried and ends
the same way), never the other way round.
"""

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class LedgerEntry:
    key_id: str
    tenant_id: str
    destroyed_at: datetime


def ledger_path() -> Path:
    return Path(settings.ERASURE_LEDGER_PATH)


def ledger_append(*, key_id, tenant_id, destroyed_at: datetime) -> None:
    path = ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {"key": str(key_id), "tenant": str(tenant_id), "destroyed_at": destroyed_at.isoformat()},
        separators=(",", ":"),
    )
    # O_APPEND and one write per line, under an exclusive lock: processes that
    # erase at the same time never interleave their lines.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def ledger_entries(path: Path | None = None) -> list[LedgerEntry]:
    """Every line, oldest first. A last line cut short by a crash is skipped."""
    path = path or ledger_path()
    if not path.exists():
        return []
    entries = []
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
            entries.append(
                LedgerEntry(
                    item["key"], item["tenant"], datetime.fromisoformat(item["destroyed_at"])
                )
            )
        except (ValueError, KeyError):
            if number == len(lines):
                break
            raise ValueError(f"{path}: line {number} is not a ledger entry") from None
    return entries
