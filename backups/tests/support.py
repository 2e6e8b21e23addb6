"""Restore targets (a scratch PostgreSQL database or a temporary SQLite file) and a
reader that decrypts values straight from a restored database, with the keys
found in that database only."""

import os
import shutil
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection

from backups.target import Target, configured_target
from conversations.models import Contact, Message
from privacy import keyring
from privacy.crypto import DecryptionError, decrypt
from privacy.models import DataKey, TenantKey


def require_postgres_tools() -> None:
    if connection.vendor != "postgresql":
        return
    if shutil.which("pg_dump") is None and not os.path.isdir("/usr/lib/postgresql"):
        if os.environ.get("CI") == "true":
            pytest.fail("pg_dump/pg_restore are required under CI")
        pytest.skip("pg_dump/pg_restore are not installed")


def scratch_target(tmp_path):
    """An empty database of the same engine, and a function that drops it."""
    if connection.vendor != "postgresql":
        return Target("sqlite", path=tmp_path / "restored.sqlite3"), lambda: None
    import psycopg
    from psycopg.conninfo import make_conninfo

    source = configured_target()
    name = f"restore_drill_{uuid.uuid4().hex[:12]}"
    admin_url = make_conninfo(source.url, dbname="postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return Target("postgresql", url=make_conninfo(source.url, dbname=name)), drop


def _id(value) -> uuid.UUID:
    return uuid.UUID(str(value))


class RestoredReader:
    """Reads a restored database with plain SQL and opens its values with the key
    rows of that same database: what a restored platform could decrypt."""

    def __init__(self, target: Target):
        self.target = target
        self.connection = target.connect()
        self.tenant_keys = {
            _id(row[0]): TenantKey(
                id=_id(row[0]),
                tenant_id=_id(row[1]),
                purpose=row[2],
                version=row[3],
                master_version=row[4],
                wrapped_key=bytes(row[5]),
            )
            for row in self._rows(
                "SELECT id, tenant_id, purpose, version, master_version, wrapped_key "
                f'FROM "{TenantKey._meta.db_table}"'
            )
        }

    def _rows(self, sql: str, params=()):
        return self.connection.execute(sql, params).fetchall()

    def close(self) -> None:
        self.connection.close()

    def count(self, table: str) -> int:
        return self._rows(f'SELECT count(*) FROM "{table}"')[0][0]

    def cipher(self, tenant_id, subject_id):
        """The subject's cipher from the restored key rows; None when destroyed or absent."""
        p = self.target.placeholder
        rows = self._rows(
            f'SELECT tenant_key_id, wrapped_key FROM "{DataKey._meta.db_table}" WHERE id = {p}',
            (self.target.uuid_value(subject_id),),
        )
        if not rows or rows[0][1] is None:
            return None
        row = DataKey(id=_id(subject_id), tenant_id=_id(tenant_id), wrapped_key=bytes(rows[0][1]))
        row.tenant_key = self.tenant_keys[_id(rows[0][0])]
        return AESGCM(keyring._unwrap_data_key(row))

    def _open(self, model, field_name: str, row_id, tenant_id, subject_id, raw):
        cipher = self.cipher(tenant_id, subject_id)
        if cipher is None or raw is None:
            return None
        instance = model(id=_id(row_id), tenant_id=_id(tenant_id))
        field = model._meta.get_field(field_name)
        try:
            return field.from_bytes(decrypt(cipher, bytes(raw), field.context(instance)))
        except DecryptionError:
            return None

    def contact_names(self) -> dict[uuid.UUID, str | None]:
        rows = self._rows(f'SELECT id, tenant_id, name FROM "{Contact._meta.db_table}"')
        return {_id(i): self._open(Contact, "name", i, t, i, raw) for i, t, raw in rows}

    def message_bodies(self) -> dict[uuid.UUID, str | None]:
        rows = self._rows(f'SELECT id, tenant_id, contact_id, body FROM "{Message._meta.db_table}"')
        return {_id(i): self._open(Message, "body", i, t, c, raw) for i, t, c, raw in rows}
