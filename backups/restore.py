"""Restoring a database backup with the newest key backup, then replaying the
erasure ledger, into an empty database.

Nothing is written to the target before both sets are proven whole: manifests
authenticated, file checksums matched, files decrypted to a private working
directory (each chunk authenticated, truncation detected).
"""

import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from backups import postgres
from backups.crypto import BackupCryptoError, decrypt_stream, file_sha256, manifest_open
from backups.keytables import key_tables_import, ledger_replay
from backups.layout import DATABASE, KEYS, MANIFEST, BackupSet, backup_sets
from backups.target import KEY_TABLES, Target, row_counts, user_tables
from privacy.erasure_ledger import ledger_entries

logger = logging.getLogger(__name__)


class RestoreError(Exception):
    """The restore was refused; nothing was written to the target."""


@dataclass
class RestoreResult:
    database_set: Path
    key_set: Path
    rows: dict[str, int] = field(default_factory=dict)
    keys_restored: dict[str, int] = field(default_factory=dict)
    keys_destroyed_by_ledger: int = 0


def database_set_at(path: Path) -> BackupSet:
    """The database set named by its directory or its manifest."""
    path = Path(path)
    folder = path.parent if path.name == MANIFEST else path
    if not (folder / MANIFEST).exists():
        raise RestoreError(f"{folder} holds no {MANIFEST}")
    return BackupSet(DATABASE, folder)


def _verified(backup: BackupSet, kind: str) -> dict:
    try:
        body = manifest_open(backup.manifest())
    except (ValueError, OSError) as exc:
        raise RestoreError(f"{backup.path}: the manifest does not read: {exc}") from None
    except BackupCryptoError as exc:
        raise RestoreError(f"{backup.path}: {exc}") from None
    if body.get("kind") != kind:
        raise RestoreError(f"{backup.path} is a {body.get('kind')} backup, not a {kind} backup")
    for item in body["files"]:
        actual = file_sha256(backup.path / item["name"])
        if actual != item["sha256"]:
            raise RestoreError(f"{backup.path / item['name']}: checksum does not match")
    return body


def _decrypted(backup: BackupSet, body: dict, work: Path) -> Path:
    name = body["files"][0]["name"]
    plain = work / f"{backup.kind}.plain"
    try:
        with open(backup.path / name, "rb") as source, open(plain, "wb") as target:
            decrypt_stream(source, target)
    except BackupCryptoError as exc:
        raise RestoreError(f"{backup.path / name}: {exc}") from None
    return plain


def newest_key_set(root: Path, not_before: datetime) -> BackupSet:
    sets = backup_sets(KEYS, root)
    if not sets:
        raise RestoreError(f"no key backup in {root / KEYS}: the data could not be decrypted")
    newest = sets[-1]
    if newest.created_at < not_before:
        raise RestoreError(
            f"the newest key backup ({newest.path.name}) is older than the database backup "
            "(taken at "
            f"{not_before.isoformat()}): keys created in between would be missing"
        )
    return newest


def backup_restore(*, backup: Path, target: Target, ledger: Path | None = None) -> RestoreResult:
    database_set = database_set_at(backup)
    root = database_set.path.parent.parent
    database_body = _verified(database_set, DATABASE)
    created = datetime.fromisoformat(database_body["created_at"])
    key_set = newest_key_set(root, created)
    key_body = _verified(key_set, KEYS)
    if database_body["engine"] != target.engine:
        raise RestoreError(
            f"a {database_body['engine']} backup cannot be restored into {target.describe()}"
        )
    entries = ledger_entries(ledger)
    _require_empty(target)
    result = RestoreResult(database_set.path, key_set.path)
    work_parent = target.path.parent if target.engine == "sqlite" else None
    with tempfile.TemporaryDirectory(prefix="instaply-restore-", dir=work_parent) as work:
        work = Path(work)
        dump = _decrypted(database_set, database_body, work)
        key_document = _decrypted(key_set, key_body, work).read_bytes()
        if target.engine == "postgresql":
            _restore_postgres(target, dump, key_document, entries, result)
        else:
            _restore_sqlite(target, dump, key_document, entries, result)
    expected = {**database_body["rows"]}
    for table in KEY_TABLES:
        expected.pop(table, None)
    differing = {t: (n, result.rows.get(t)) for t, n in expected.items() if result.rows.get(t) != n}
    if differing:
        raise RestoreError(f"restored row counts differ from the manifest: {differing}")
    return result


def _require_empty(target: Target) -> None:
    if target.engine == "sqlite" and (not target.path.exists() or target.path.stat().st_size == 0):
        return
    connection = target.connect()
    try:
        tables = user_tables(connection, target)
    finally:
        connection.close()
    if tables:
        raise RestoreError(
            f"{target.describe()} is not empty ({len(tables)} tables): restore only into an "
            "empty database"
        )


def _keys_and_ledger(connection, target, key_document, entries, result: RestoreResult) -> None:
    result.keys_restored = key_tables_import(connection, target, key_document)
    result.keys_destroyed_by_ledger = ledger_replay(connection, target, entries)
    result.rows = {t: n for t, n in row_counts(connection, target).items() if t not in KEY_TABLES}


def _restore_postgres(target, dump: Path, key_document: bytes, entries, result) -> None:
    with target.connect() as connection:
        version = connection.info.server_version
    postgres.restore(target.url, dump, server_version_num=version)
    # The keys and the replay commit together: the database is never seen with
    # a key the ledger says is destroyed.
    with target.connect() as connection:
        _keys_and_ledger(connection, target, key_document, entries, result)


def _restore_sqlite(target, dump: Path, key_document: bytes, entries, result) -> None:
    connection = sqlite3.connect(dump)
    try:
        _keys_and_ledger(connection, target, key_document, entries, result)
        connection.commit()
    finally:
        connection.close()
    # The finished file takes the target's place in one rename.
    os.replace(dump, target.path)
