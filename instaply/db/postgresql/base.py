"""Django's PostgreSQL backend, plus the row-level security scope of each statement.

Before a statement runs, the connection's tenant setting and role are brought
to the scope ``instaply.rls.current()`` wants, and only when they differ from
what the connection last applied. The ``set_config`` statement travels with the
statement it prepares, in the same query text (Django's cursors bind values on
the client, so a query may hold two statements): one message, one round trip,
so switching scope costs no round trip of its own (a webhook or an API request
would otherwise pay one or two more). Measured on loopback, per switch: 76 µs
of CPU and 170 µs of wall time this way, against 96 / 201 µs for a round trip of
its own and 174 / 323 µs for a psycopg pipeline carrying both. What a
rolled-back transaction or savepoint set is undone by PostgreSQL, so a rollback
forgets what was applied; so does a new (or pooled) connection, and so does a
failed statement: in autocommit, the query's implicit transaction undoes the
``set_config`` that travelled with it.

A superuser bypasses row-level security whatever its settings, and may not be
able to switch to the platform role: such a connection (a developer's local
``postgres``) skips the switching altogether.
"""

import psycopg
from django.db.backends.postgresql import base
from psycopg.sql import Literal as sql_literal

from instaply import rls

_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
APPLY = "SELECT set_config('instaply.tenant_id', %s, false), set_config('role', %s, false)"
_APPLY = APPLY
# The same, as the head of a statement's own query text (values quoted as literals).
_APPLY_PREFIX = (
    "SELECT set_config('instaply.tenant_id', {}, false), set_config('role', {}, false); "
)


def scope_values(wanted: rls.Scope, settings_dict: dict) -> tuple[str | None, str]:
    """The values ``APPLY`` sets for a scope: its tenant, and its role ("none":
    the connection's own, the application role)."""
    role = settings_dict.get("PLATFORM_ROLE", "") if wanted.platform else "none"
    return (None if wanted.tenant_id is None else str(wanted.tenant_id), role or "none")


def conninfo(connection) -> str:
    """A libpq connection string for connections opened beside Django's (on the
    event loop): the same server, database, role and TLS as ``connection``'s."""
    from psycopg.conninfo import make_conninfo

    params = connection.get_connection_params()
    # Connection-pool and adapter options are for Django's connections only.
    keep = {"dbname", "user", "password", "host", "port", "sslmode", "sslrootcert", "sslcert"}
    return make_conninfo(**{key: value for key, value in params.items() if key in keep and value})


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rls_applied: rls.Scope | None = None
        self._rls_enforced = False
        self.execute_wrappers.append(self._apply_rls_scope)

    def init_connection_state(self):
        super().init_connection_state()
        self._rls_applied = None
        self._rls_enforced = self.settings_dict.get("RLS", True) and (
            self.connection.info.parameter_status("is_superuser") != "on"
        )

    def _apply_rls_scope(self, execute, sql, params, many, context):
        # Savepoint statements touch no table, and may run in a failed transaction.
        if not self._rls_enforced or sql.startswith(_TRANSACTION_CONTROL):
            return execute(sql, params, many, context)
        wanted = rls.current()
        if wanted == self._rls_applied:
            return execute(sql, params, many, context)
        values = scope_values(wanted, self.settings_dict)
        cursor = context["cursor"].cursor
        # Wrapped as Django wraps its own statements: a lost server is Django's
        # OperationalError (a 503), not psycopg's.
        try:
            with self.wrap_database_errors:
                if many or not isinstance(cursor, psycopg.ClientCursor):
                    # executemany, or a named cursor: the scope goes first, alone.
                    self.connection.execute(_APPLY, values)
                    self._rls_applied = wanted
                    return execute(sql, params, many, context)
                # One query text, both statements: one message, one round trip.
                prefix = _APPLY_PREFIX.format(
                    *(sql_literal(v).as_string(self.connection) for v in values)
                )
                if params is not None:
                    prefix = prefix.replace("%", "%%")  # the values become part of the text
                result = execute(prefix + sql, params, many, context)
                cursor.nextset()  # the statement's own result, for its caller
        except BaseException:
            self._rls_applied = None  # the set_config may have been undone with the statement
            raise
        self._rls_applied = wanted
        return result

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._rls_applied = None

    def _savepoint_rollback(self, sid):
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self._rls_applied = None

    def _close(self):
        self._rls_applied = None
        return super()._close()
