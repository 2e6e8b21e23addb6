"""Taking backups and pruning them (docs/operations.md, "Backups and restore").

One run writes two sets from one consistent view of the database: the database
backup, with no row of the key tables, kept BACKUP_RETENTION_DAYS; and the key
backup, kept KEY_BACKUP_RETENTION_DAYS only, so a crypto-shredded key is in no
backup once that many days have passed (privacy/erasure_ledger.py covers a
restore meanwhile).
"""

import io
import json
import logging
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from psycopg import IsolationLevel

from backups import postgres
from backups.crypto import encrypt_stream, manifest_seal
from backups.keytables import key_tables_export
from backups.layout import DATABASE, KEYS, MANIFEST, backup_root, backup_sets, new_set_dir
from backups.target import (
    KEY_TABLES,
    Target,
    configured_target,
    dump_role,
    row_counts,
    schema_versions,
)

logger = logging.getLogger(__name__)

FORMAT = 1
DATABASE_FILE, KEYS_FILE = "database.enc", "keys.enc"


@dataclass(frozen=True)
class BackupResult:
    database: Path | None
    keys: Path


def _write_set(kind: str, now: datetime, file_name: str, source, body: dict, root: Path) -> Path:
    """Encrypts ``source`` into a new set; the manifest is written last, so a set
    without one is an interrupted run (ignored, pruned)."""
    folder = new_set_dir(kind, now, root)
    try:
        with open(folder / file_name, "wb") as target:
            key_version, digest = encrypt_stream(source, target)
        manifest = manifest_seal(
            {
                **body,
                "kind": kind,
                "format": FORMAT,
                "created_at": now.isoformat(),
                "key_version": key_version,
                "files": [{"name": file_name, "sha256": digest}],
            }
        )
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def backup_create(*, target: Target | None = None, root: Path | None = None) -> BackupResult:
    target = target or configured_target()
    root = root or backup_root()
    now = timezone.now()
    if target.engine == "postgresql":
        return _postgres_backup(target, now, root)
    return _sqlite_backup(target, now, root)


def _postgres_backup(target: Target, now: datetime, root: Path) -> BackupResult:
    with target.connect() as connection:
        role = dump_role(connection)
        connection.commit()
        # psycopg opens the transaction itself, at the first statement: its
        # isolation is set on the connection, not by a BEGIN of ours.
        connection.isolation_level = IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        # pg_dump reads in this transaction's snapshot: the dump, the counts and
        # the key rows are one view of the database.
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        version = connection.info.server_version
        counts = row_counts(connection, target)
        common = {"engine": target.engine, "schema": schema_versions(connection)}
        process = postgres.dump_process(
            target.url, snapshot=snapshot, server_version_num=version, role=role
        )
        try:
            database = _write_set(
                DATABASE,
                now,
                DATABASE_FILE,
                process.stdout,
                {**common, "rows": _without_keys(counts), "excluded_table_data": list(KEY_TABLES)},
                root,
            )
        finally:
            process.stdout.close()
            stderr = process.stderr.read().decode(errors="replace")
            returncode = process.wait()
        if returncode != 0:
            shutil.rmtree(database, ignore_errors=True)
            raise postgres.PostgresToolError(f"pg_dump failed: {stderr.strip()[-2000:]}")
        keys = _key_set(connection, now, common, root)
        connection.rollback()
    return BackupResult(database=database, keys=keys)


def _without_keys(counts: dict[str, int]) -> dict[str, int]:
    return {table: n for table, n in counts.items() if table not in KEY_TABLES}


def _key_set(connection, now: datetime, common: dict, root: Path) -> Path:
    document, counts = key_tables_export(connection)
    return _write_set(KEYS, now, KEYS_FILE, io.BytesIO(document), {**common, "rows": counts}, root)


def _sqlite_backup(target: Target, now: datetime, root: Path) -> BackupResult:
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".work-") as work:
        copy_path = Path(work) / "copy.sqlite3"
        source = sqlite3.connect(target.path)
        copy = sqlite3.connect(copy_path)
        try:
            source.backup(copy)  # the online backup API: a consistent copy
        finally:
            source.close()
        try:
            common = {"engine": target.engine, "schema": schema_versions(copy)}
            keys = _key_set(copy, now, common, root)
            counts = row_counts(copy, target)
            # The key rows leave the copy, and VACUUM rewrites the file so no freed
            # page still holds them.
            for table in KEY_TABLES:
                copy.execute(f'DELETE FROM "{table}"')  # noqa: S608 - table names from model metadata or the schema
            copy.commit()
            copy.execute("VACUUM")
        finally:
            copy.close()
        with open(copy_path, "rb") as plain:
            database = _write_set(
                DATABASE,
                now,
                DATABASE_FILE,
                plain,
                {**common, "rows": _without_keys(counts), "excluded_table_data": list(KEY_TABLES)},
                root,
            )
    return BackupResult(database=database, keys=keys)


def key_backup_create(*, target: Target | None = None, root: Path | None = None) -> Path:
    """A key backup alone (the prune keeps one fresh when no full backup ran)."""
    target = target or configured_target()
    root = root or backup_root()
    now = timezone.now()
    with target.connect() as connection:
        common = {"engine": target.engine, "schema": schema_versions(connection)}
        return _key_set(connection, now, common, root)


def backups_prune(*, root: Path | None = None, now: datetime | None = None) -> dict[str, int]:
    """Deletes database sets older than BACKUP_RETENTION_DAYS and key sets older than
    KEY_BACKUP_RETENTION_DAYS. A key set within its retention is made first when
    none is left, so pruning never leaves the database backups without keys."""
    root = root or backup_root()
    now = now or timezone.now()
    key_limit = now - timedelta(days=settings.KEY_BACKUP_RETENTION_DAYS)
    database_limit = now - timedelta(days=settings.BACKUP_RETENTION_DAYS)
    key_sets = backup_sets(KEYS, root)
    if backup_sets(DATABASE, root) and not any(s.created_at >= key_limit for s in key_sets):
        key_backup_create(root=root)
    removed = {DATABASE: 0, KEYS: 0}
    for kind, limit in ((DATABASE, database_limit), (KEYS, key_limit)):
        for backup in backup_sets(kind, root):
            if backup.created_at < limit:
                shutil.rmtree(backup.path)
                removed[kind] += 1
                logger.info("backup %s deleted (older than its retention)", backup.path)
    return removed
