"""The BI provider's PostgreSQL role: it connects to the reporting database and
reads its fact tables, nothing else (docs/reporting.md).

- LOGIN only: no superuser, no database or role creation, no inheritance;
  every session read-only (``default_transaction_read_only``), and SELECT on
  the fact tables only: not on the extract's marks nor its forgotten keys.
- No CONNECT on the main database: PUBLIC loses its default CONNECT there and
  the application's own role is granted it by name (an owner keeps it anyway).
"""

import re

from analytics.reporting.models import ConversationFact, MessageFact

# What the role may read: the facts. The extract's bookkeeping stays private.
READABLE_TABLES = (ConversationFact._meta.db_table, MessageFact._meta.db_table)
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise ValueError(f"{name!r} is not a plain lower-case PostgreSQL name.")
    return f'"{name}"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def reader_role_sql(*, role: str, password: str, main_db: str, reporting_db: str, app_role: str):
    """The statements, in order, to run connected to the reporting database as a
    role that may create roles and grant on both databases. Safe to run again
    (after a migration adds a fact table, for instance)."""
    r, main, reporting = _ident(role), _ident(main_db), _ident(reporting_db)
    tables = ", ".join(_ident(table) for table in READABLE_TABLES)
    return [
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
        f"{_literal(role)}) THEN CREATE ROLE {r}; END IF; END $$",
        f"ALTER ROLE {r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT "
        f"NOREPLICATION NOBYPASSRLS PASSWORD {_literal(password)}",
        f"ALTER ROLE {r} SET default_transaction_read_only = on",
        f"REVOKE CONNECT, TEMPORARY ON DATABASE {main} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {main} TO {_ident(app_role)}",
        f"REVOKE ALL ON DATABASE {main} FROM {r}",
        f"GRANT CONNECT ON DATABASE {reporting} TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {r}",
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT SELECT ON {tables} TO {r}",
    ]
