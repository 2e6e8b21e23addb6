"""Django's PostgreSQL backend, plus the row-level security scope of each statement.

Before a statement runs, the connection's tenant setting and role are brought
to the scope ``instaply.rls.current()`` wants, in one extra statement, and only
when they differ from what the connection last applied. What a rolled-back
transaction or savepoint set is undone by PostgreSQL, so a rollback forgets
what was applied; so does a new (or pooled) connection.

A superuser bypasses row-level security whatever its settings, and may not be
able to switch to the platform role: such a connection (a developer's local
``postgres``) skips the switching altogether.
"""

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
        if self._rls_enforced and not sql.startswith(_TRANSACTION_CONTROL):
            wanted = rls.current()
            if wanted != self._rls_applied:
                role = self.settings_dict.get("PLATFORM_ROLE", "") if wanted.platform else "none"
                # Wrapped as Django wraps its own statements: a lost server is
                # Django's OperationalError (a 503), not psycopg's.
                with self.wrap_database_errors:
                    self.connection.execute(_APPLY, (wanted.tenant_id, role or "none"))
                self._rls_applied = wanted
        return execute(sql, params, many, context)

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
