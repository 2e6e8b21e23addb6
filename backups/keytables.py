"""The key tables as a portable document: written to the key backup, read back on
restore, then the erasure ledger is replayed over them."""

import base64
import json
import uuid
from datetime import datetime

from backups.target import KEY_TABLES, TENANT_TABLE, Target
from privacy.erasure_ledger import LedgerEntry


def _plain(value):
    if isinstance(value, bytes | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _stored(value):
    if isinstance(value, dict):
        return base64.b64decode(value["b64"])
    return value


def key_tables_export(connection) -> tuple[bytes, dict[str, int]]:
    """(JSON document of every row of the key tables, row counts)."""
    document, counts = {}, {}
    for table in KEY_TABLES:
        cursor = connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from model metadata or the schema
        columns = [column[0] for column in cursor.description]
        rows = [[_plain(value) for value in row] for row in cursor.fetchall()]
        document[table] = {"columns": columns, "rows": rows}
        counts[table] = len(rows)
    return json.dumps(document).encode(), counts


def key_tables_import(connection, target: Target, document: bytes) -> dict[str, int]:
    """Inserts the key rows of tenants the restored database has; returns the counts.
    Keys of a tenant created after the database backup have no tenant to belong to."""
    tables = json.loads(document)
    tenants = {
        str(uuid.UUID(str(row[0])))
        for row in connection.execute(f'SELECT id FROM "{TENANT_TABLE}"').fetchall()  # noqa: S608 - table names from model metadata or the schema
    }
    counts = {}
    for table in KEY_TABLES:
        columns, rows = tables[table]["columns"], tables[table]["rows"]
        tenant_at = columns.index("tenant_id")
        kept = [row for row in rows if str(uuid.UUID(str(row[tenant_at]))) in tenants]
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join([target.placeholder] * len(columns))
        insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608 - table names from model metadata or the schema
        cursor = connection.cursor()
        cursor.executemany(insert, [[_stored(v) for v in row] for row in kept])
        counts[table] = len(kept)
    return counts


def ledger_replay(connection, target: Target, entries: list[LedgerEntry]) -> int:
    """Destroys again every data key the ledger names; returns how many were live."""
    table = KEY_TABLES[1]
    p = target.placeholder
    update = (
        f'UPDATE "{table}" SET wrapped_key = NULL, destroyed_at = {p} '  # noqa: S608 - table names from model metadata or the schema
        f"WHERE id = {p} AND wrapped_key IS NOT NULL"
    )
    destroyed = 0
    for entry in entries:
        cursor = connection.execute(
            update, (target.time_value(entry.destroyed_at), target.uuid_value(entry.key_id))
        )
        destroyed += cursor.rowcount
    return destroyed
