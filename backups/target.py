"""The database a backup reads or a restore writes, reached with a plain DB-API
connection (psycopg or sqlite3): backups read and write whole tables of every
tenant at once, below the ORM's tenant scoping, as the database's owner."""

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connections

from privacy.models import DataKey, TenantKey
from tenants.models import Tenant

# The tables whose rows are key material: never in a database backup.
KEY_TABLES = (TenantKey._meta.db_table, DataKey._meta.db_table)
TENANT_TABLE = Tenant._meta.db_table


@dataclass(frozen=True)
class Target:
    engine: str  # "postgresql" or "sqlite"
    url: str = ""  # PostgreSQL: a URL or a libpq connection string
    path: Path | None = None  # SQLite

    @property
    def placeholder(self) -> str:
        return "%s" if self.engine == "postgresql" else "?"

    def connect(self):
        if self.engine == "postgresql":
            import psycopg

            connection = psycopg.connect(self.url)
            _below_row_security(connection)
            return connection
        return sqlite3.connect(self.path)

    def uuid_value(self, value) -> str:
        # Django stores UUIDs as 32 hex digits on SQLite, as uuid on PostgreSQL.
        parsed = uuid.UUID(str(value))
        return str(parsed) if self.engine == "postgresql" else parsed.hex

    def time_value(self, value: datetime) -> str:
        if self.engine == "postgresql":
            return value.isoformat()
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def describe(self) -> str:
        if self.engine == "postgresql":
            from psycopg.conninfo import conninfo_to_dict

            return f"PostgreSQL database {conninfo_to_dict(self.url).get('dbname')}"
        return f"SQLite file {self.path}"


def _below_row_security(connection) -> None:
    """Backups read and write every tenant's rows: a login subject to row-level
    security (the application's role) works as the platform role, which bypasses
    it, as pg_dump does with ``--role`` (``dump_role``). Committed, so the
    caller's next transaction starts afresh."""
    bypasses = connection.execute(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()[0]
    if not bypasses:
        from psycopg import sql

        role = settings.DATABASE_PLATFORM_ROLE
        connection.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    connection.commit()


def dump_role(connection) -> str | None:
    """The role pg_dump must take too, when the connection took one."""
    current, session = connection.execute("SELECT current_user, session_user").fetchone()
    return None if current == session else current


def target_from_url(url: str) -> Target:
    if url.startswith(("postgres://", "postgresql://")):
        return Target("postgresql", url=url)
    if url.startswith("sqlite:///"):
        return Target("sqlite", path=Path(dj_database_url.parse(url)["NAME"]))
    raise ValueError("the database URL must be a PostgreSQL URL or sqlite:///<path>")


def configured_target() -> Target:
    """The application's database, reached as its owner: BACKUP_DATABASE_URL, or
    the default connection's own settings (its test database under tests)."""
    if settings.BACKUP_DATABASE_URL:
        return target_from_url(settings.BACKUP_DATABASE_URL)
    db = settings.DATABASES["default"]
    if connections["default"].vendor != "postgresql":
        return Target("sqlite", path=Path(db["NAME"]))
    from psycopg.conninfo import make_conninfo

    conninfo = make_conninfo(
        host=db.get("HOST") or "localhost",
        port=str(db.get("PORT") or 5432),
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
    )
    return Target("postgresql", url=conninfo)


def user_tables(connection, target: Target) -> list[str]:
    if target.engine == "postgresql":
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    else:
        sql = (
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    return [row[0] for row in connection.execute(sql).fetchall()]


def row_counts(connection, target: Target) -> dict[str, int]:
    return {
        table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - table names from model metadata or the schema
        for table in user_tables(connection, target)
    }


def schema_versions(connection) -> dict[str, str]:
    """The latest migration applied per app (names sort in their order)."""
    rows = connection.execute(
        "SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app"
    ).fetchall()
    return dict(rows)
