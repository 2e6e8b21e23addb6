"""Where backups live: BACKUP_DIR/database/<time>/ and BACKUP_DIR/keys/<time>/, each
with its encrypted file and its manifest.json; the erasure ledger beside them."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

DATABASE, KEYS = "database", "keys"
MANIFEST = "manifest.json"
STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class BackupSet:
    kind: str
    path: Path  # the directory

    @property
    def created_at(self) -> datetime:
        return datetime.strptime(self.path.name, STAMP).replace(tzinfo=UTC)

    def manifest(self) -> dict:
        return json.loads((self.path / MANIFEST).read_text())


def backup_root() -> Path:
    return Path(settings.BACKUP_DIR)


def new_set_dir(kind: str, now: datetime, root: Path | None = None) -> Path:
    path = (root or backup_root()) / kind / now.astimezone(UTC).strftime(STAMP)
    path.mkdir(parents=True, mode=0o700)
    return path


def backup_sets(kind: str, root: Path | None = None) -> list[BackupSet]:
    """Complete sets (their manifest written last), oldest first."""
    folder = (root or backup_root()) / kind
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        try:
            datetime.strptime(path.name, STAMP)
        except ValueError:
            continue
        if (path / MANIFEST).exists():
            found.append(BackupSet(kind, path))
    return found
