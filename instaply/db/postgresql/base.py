"""Django's PostgreSQL backend, plus the row-level security scope of each statement.

Before a statement runs, the connection's tenant setting and role are brought
to the scope ``instaply.rls.current()`` wants, and only when they differ from
what the connection last applied. The ``set_config`` statement travels with the
statement it prepares, in one psycopg pipeline: both are sent, then one Sync,
so switching scope costs no network round trip of its own (a webhook or an API
request would otherwise pay one or two more). What a rolled-back transaction
or savepoint set is undone by PostgreSQL, so a rollback forgets what was
applied; so does a new (or pooled) connection, and so does a failed statement:
in autocommit, the pipeline's implicit transaction undoes the ``set_config``
that travelled with it.

A superuser bypasses row-level security whatever its settings, and may not be
able to switch to the platform role: such a connection (a developer's local
``postgres``) skips the switching altogether.
"""

import psycopg
from django.db.backends.postgresql import base

from instaply import rls

_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
_APPLY = "SELECT set_config('instaply.tenant_id', %s, false), set_config('role', %s, false)"


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
        role = self.settings_dict.get("PLATFORM_ROLE", "") if wanted.platform else "none"
        apply = (_APPLY, (wanted.tenant_id, role or "none"))
        # Wrapped as Django wraps its own statements: a lost server is Django's
        # OperationalError (a 503), not psycopg's. Errors of a pipeline surface
        # at its Sync, outside Django's own wrapping of the statement.
        try:
            with self.wrap_database_errors:
                if isinstance(context["cursor"].cursor, psycopg.ServerCursor):
                    # A named cursor cannot run in a pipeline: the scope goes first.
                    self.connection.execute(*apply)
                    self._rls_applied = wanted
                    return execute(sql, params, many, context)
                with self.connection.pipeline():
                    self.connection.execute(*apply)
                    result = execute(sql, params, many, context)
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
