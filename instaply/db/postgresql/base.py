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

**Prepared statements** (``prepared_statement()``, used by the page queries of
``tenants/compiled.py``): the block's query is bound on the server and
prepared once per connection, and PostgreSQL keeps a generic plan for it
(``plan_cache_mode=force_generic_plan``, set for the session when the
connection opens), so a page query is planned once per pooled connection
instead of on every request. Planning an inbox page query under the row-level
security policies took PostgreSQL about 0.4 ms against 0.1 ms to run it. A
prepared statement cannot carry a second statement, so a scope switch before
one goes as its own statement (one more round trip, about 20 µs of CPU more
than riding along), or, for a query cheaper to plan than that, the query is
not prepared and the switch rides in its text (``after_switch=False``). The
policies are unchanged: they read the setting when the statement runs, so a
plan kept for one tenant is as safe for the next. Every other statement is
bound on the client as before, and ``DATABASE_PREPARED_STATEMENTS=false`` turns
the preparing off (a pooler in transaction mode that does not track
prepared statements, such as PgBouncer before 1.21).
"""

import contextlib
import datetime as dt
import functools

import psycopg
from django.db.backends.postgresql import base, operations
from psycopg.adapt import AdaptersMap
from psycopg.pq import Format
from psycopg.sql import Literal as sql_literal

from instaply import rls

_TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid
_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
APPLY = "SELECT set_config('instaply.tenant_id', %s, false), set_config('role', %s, false)"
_APPLY = APPLY
# The same, as the head of a statement's own query text (values quoted as literals).
_APPLY_PREFIX = (
    "SELECT set_config('instaply.tenant_id', {}, false), set_config('role', {}, false); "
)
# Prepared statements get a generic plan from their first execution: planning is
# what preparing saves (PostgreSQL's default keeps planning the inbox page query
# for each request, its generic plan estimated dearer). Only the statements this
# backend prepares have a plan cache; the triggers (pgtrigger's Protect) run none.
_GENERIC_PLANS = "-c plan_cache_mode=force_generic_plan"


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # A prepared statement's text holds $1..; the query log and query
        # counting show it as the client-bound statement would read.
        if isinstance(cursor, psycopg.ClientCursor):
            return super().last_executed_query(cursor, sql, params)
        try:
            return self.compose_sql(sql, params)
        except psycopg.DataError:
            return None


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


class _UtcTimestamptzLoader:
    """psycopg's own timestamptz loader (compiled, in psycopg's binary package),
    under a class that carries the time zone Django checks a connection's loader
    for. Django registers a subclass of psycopg's pure-Python loader instead,
    which parses each value in Python and then replaces its tzinfo: about 2 µs a
    value, a hundred values on a thread page. The session's time zone is UTC
    (Django sets it), for which psycopg's loader gives ``datetime.timezone.utc``
    as Django's does. The compiled class cannot be subclassed: building this
    class builds one of it."""

    format = Format.TEXT
    timezone = dt.UTC
    compiled = psycopg.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)

    def __new__(cls, oid, context=None):
        return cls.compiled(oid, context)


@functools.cache
def _adapters(template):
    """Django's adapters map for the connection, with the compiled loader (one
    copy per process: connections share it, as they share Django's)."""
    adapters = AdaptersMap(template)
    adapters.register_loader(_TIMESTAMPTZ, _UtcTimestamptzLoader)
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rls_applied: rls.Scope | None = None
        self._rls_enforced = False
        self._preparing = False
        self.execute_wrappers.append(self._apply_rls_scope)

    @property
    def prepares_statements(self) -> bool:
        return self.settings_dict.get("PREPARED_STATEMENTS", False)

    def get_connection_params(self):
        params = super().get_connection_params()
        if self.timezone is dt.UTC or self.timezone == dt.UTC:
            params["context"] = _adapters(params["context"])
        if self.prepares_statements:
            # Only server-binding cursors prepare, from their first execution; Django's
            # own bind on the client and never do: only prepared_statement()'s query is.
            params["prepare_threshold"] = 0
            params["options"] = f"{params.get('options', '')} {_GENERIC_PLANS}".strip()
        return params

    @contextlib.contextmanager
    def prepared_statement(self, *, after_switch: bool = True):
        """The block's first query is bound on the server and prepared (once per
        connection and text): for a statement whose text is the same on every
        run, such as a compiled page query (tenants/compiled.py). Its values must
        be typed as the columns they meet (the ORM's prepared values are). Only
        the first: what the block runs after it (a page's data keys, whose
        lists vary) is bound on the client as usual.

        ``after_switch=False``: not when the query needs a scope switch first, which
        then rides in its text instead of costing a round trip of its own (for a
        query cheaper to plan than that round trip, such as a lookup by key)."""
        if not self.prepares_statements or not (after_switch or self._in_scope()):
            yield
            return
        self._preparing = True
        try:
            yield
        finally:
            self._preparing = False

    def scope_set_by_statement(self, scope: rls.Scope) -> None:
        """The statement just run set this scope itself, in its own text (the
        bearer token's lookup, tenants/authentication.py, leaves the connection
        in the token's tenant): what the next statement is compared with. On a
        connection where the switching is skipped nothing is recorded."""
        if self._rls_enforced:
            self._rls_applied = scope

    def _in_scope(self) -> bool:
        """The next statement needs no scope switch."""
        return not self._rls_enforced or rls.current() == self._rls_applied

    def create_cursor(self, name=None):
        if name is not None or not self._preparing:
            return super().create_cursor(name)
        self._preparing = False
        cursor = base.ServerBindingCursor(self.connection)
        # As Django's own cursors: the connection's time zone for timestamps.
        loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
        if self.timezone != loader.timezone:
            base.register_tzloader(self.timezone, cursor)
        return cursor

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
                    # executemany, a named cursor or a prepared statement: the
                    # scope goes first, alone.
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
