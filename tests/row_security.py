"""How the suite runs under PostgreSQL's row-level security (used by the root conftest).

The test databases are created and migrated by the configured user, the
tables' owner. Then every connection of the default database switches to an
application role that owns no table (``DATABASE_TEST_APP_ROLE``), member of the
platform role, as production connects (docs/tenant-scoping.md).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from instaply import rls_schema


@dataclass(frozen=True)
class Login:
    user: str
    password: str


def owner_login(connection) -> Login:
    return Login(connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] or "")


def switch_to_application_role(connection) -> Login:
    """Creates the roles, grants what tests need, connects as the application
    role (with the owner's password, so the same authentication applies);
    returns the owner's login."""
    owner = owner_login(connection)
    with transaction.atomic(), connection.cursor() as cursor:
        rls_schema.create_roles(
            cursor, app_role=settings.DATABASE_TEST_APP_ROLE, app_password=owner.password or None
        )
        grant_for_tests(cursor)
    connect_as(connection, Login(settings.DATABASE_TEST_APP_ROLE, owner.password))
    # Backups read every tenant's rows below the policies: as the owner, as in production.
    db = connection.settings_dict
    secret = f":{owner.password}" if owner.password else ""
    settings.BACKUP_DATABASE_URL = f"postgres://{owner.user}{secret}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    return owner


def execute_as_owner(sql: str) -> None:
    """Runs one statement as the tables' owner, inside the test's transaction
    (a test that alters a table); plainly where the suite is not switched."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and settings.DATABASE_RLS:
            cursor.execute("SELECT instaply_test_as_owner(%s)", [sql])
        else:
            cursor.execute(sql)


def grant_for_tests(cursor) -> None:
    role = rls_schema.platform_role()
    # A test that alters a table does it through this, as the owner (execute_as_owner).
    cursor.execute(
        "CREATE OR REPLACE FUNCTION instaply_test_as_owner(statement text) RETURNS void"
        " LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN EXECUTE statement; END $$"
    )
    cursor.execute(f'GRANT EXECUTE ON FUNCTION instaply_test_as_owner(text) TO "{role}"')
    # Flushing between transactional tests truncates the tables.
    cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{role}"')
    # Tests that watch for lock waits read other sessions in pg_stat_activity.
    cursor.execute(f'GRANT pg_read_all_stats TO "{role}"')


def restore_after_owner_test(connection) -> None:
    """Tables a migration test dropped and made again lost their policies and grants."""
    rls_schema.apply_policies()
    with connection.cursor() as cursor:
        grant_for_tests(cursor)


def connect_as(connection, login: Login) -> None:
    connection.close()
    connection.close_pool()
    connection.settings_dict["USER"] = login.user
    connection.settings_dict["PASSWORD"] = login.password
