"""The row-level security policies and the roles they rely on (PostgreSQL only).

Policies are (re)applied after every ``migrate`` (``post_migrate``), so a tenant
table added by a later migration is covered the moment it exists, and
``tests/isolation/test_rls.py`` checks the catalogue: every table with a tenant
column has row-level security on and its policy.

Two roles, besides the owner that runs migrations:

* the **application role** (the user of ``DATABASE_URL``): owns no table, is
  subject to the policies, and is a member of
* the **platform role** (``DATABASE_PLATFORM_ROLE``, ``NOLOGIN BYPASSRLS``),
  which holds the table privileges and which the application switches to
  (``SET ROLE``) only for a ``dangerously_unscoped`` query or ``platform_work``.

``manage.py rls_roles`` creates both and grants them (run once per cluster by
an administrator); ``docs/tenant-scoping.md`` tells the whole story.
"""

from django.apps import apps
from django.conf import settings
from django.db import connections

SETTING = "instaply.tenant_id"
CURRENT_TENANT = f"nullif(current_setting('{SETTING}', true), '')::uuid"

# The tenants table itself is the platform's directory (names, slugs, settings;
# no one's personal data): console pages and periodic work list it, and it has
# no policy. Every table of a tenant's data has one.
#
# Tables whose rows belong to one tenant but are not TenantScopedModels.
# The audit log: anyone may append; reading follows the tenant; changing or
# deleting is the platform's alone (sealing, retention), through its role.
APPEND_ONLY = ("audit.AuditEvent", "audit.AuditSeal")
# Security alerts: raised by anyone (a platform alert has no tenant), read and
# acknowledged by their tenant.
ACKNOWLEDGED = ("audit.SecurityAlert",)


def tenant_tables() -> dict[str, str]:
    """{table: policy kind} for every table holding rows of one tenant."""
    from tenants.models.base import TenantScopedModel

    tables = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if issubclass(model, TenantScopedModel):
            tables[model._meta.db_table] = "scoped"
    for label in APPEND_ONLY:
        tables[apps.get_model(label)._meta.db_table] = "append_only"
    for label in ACKNOWLEDGED:
        tables[apps.get_model(label)._meta.db_table] = "acknowledged"
    return tables


def _policy_statements(table: str, kind: str) -> list[str]:
    quoted = f'"{table}"'
    statements = [
        f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS tenant_isolation ON {quoted}",
        f"DROP POLICY IF EXISTS tenant_reads ON {quoted}",
        f"DROP POLICY IF EXISTS anyone_appends ON {quoted}",
        f"DROP POLICY IF EXISTS tenant_acknowledges ON {quoted}",
    ]
    reads = f"FOR SELECT USING (tenant_id = {CURRENT_TENANT})"
    if kind == "scoped":
        statements.append(
            f"CREATE POLICY tenant_isolation ON {quoted} USING (tenant_id = {CURRENT_TENANT})"
        )
    else:
        statements += [
            f"CREATE POLICY tenant_reads ON {quoted} {reads}",
            f"CREATE POLICY anyone_appends ON {quoted} FOR INSERT WITH CHECK (true)",
        ]
        if kind == "acknowledged":
            statements.append(
                f"CREATE POLICY tenant_acknowledges ON {quoted} FOR UPDATE"
                f" USING (tenant_id = {CURRENT_TENANT})"
            )
    return statements


def apply_policies(using: str = "default") -> int:
    """Enables row-level security and (re)creates the policies; returns the tables done."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    tables = tenant_tables()
    with connection.cursor() as cursor:
        # Only the owner (or a superuser) may alter a table. The application role
        # meets this signal too (a flush between transactional tests sends it)
        # and leaves the policies as they are.
        cursor.execute(
            "SELECT t.tablename FROM pg_tables t JOIN pg_roles r ON r.rolname = current_user"
            " WHERE t.schemaname = current_schema() AND (t.tableowner = current_user OR r.rolsuper)"
        )
        owned = {row[0] for row in cursor.fetchall()}
        done = [table for table in tables if table in owned]
        for table in done:
            for statement in _policy_statements(table, tables[table]):
                cursor.execute(statement)
        if done:
            grant_platform_role(cursor)
    return len(done)


def platform_role() -> str:
    return settings.DATABASE_PLATFORM_ROLE


def _role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def grant_platform_role(cursor) -> None:
    """The platform role may read and write every table (its members inherit it)."""
    role = platform_role()
    if not _role_exists(cursor, role):
        return
    cursor.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    cursor.execute(
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
    )
    cursor.execute(f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{role}"')


def create_roles(cursor, *, app_role: str, app_password: str | None = None) -> None:
    """Creates the platform role and the application role when missing (needs
    CREATEROLE), and makes the application a member of the platform role.

    Roles belong to the cluster: two processes creating the same one race, and
    the loser finds it made (``duplicate_object``) and goes on.
    """
    role = platform_role()
    for name, attributes in ((role, "NOLOGIN BYPASSRLS"), (app_role, "LOGIN NOBYPASSRLS")):
        if not _role_exists(cursor, name):
            try:
                cursor.execute("SAVEPOINT create_role")
                cursor.execute(f'CREATE ROLE "{name}" {attributes}')
                cursor.execute("RELEASE SAVEPOINT create_role")
            except Exception as error:  # noqa: BLE001 - only a concurrent creation is expected
                cursor.execute("ROLLBACK TO SAVEPOINT create_role")
                if "already exists" not in str(error):
                    raise
    if app_password is not None:
        cursor.execute(f'ALTER ROLE "{app_role}" PASSWORD %s', [app_password])
    cursor.execute(f'GRANT "{role}" TO "{app_role}"')
    grant_platform_role(cursor)
