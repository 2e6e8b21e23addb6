"""Fixtures shared by every app's tests: two tenants with one member per role."""

import uuid

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.utils import translation
from rest_framework.test import APIClient

from tenants.models import Role
from tenants.services.tokens import api_token_create
from tenants.tests.factories import MembershipFactory, ShopFactory, TenantFactory

_DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_collection_modifyitems(items):
    """Every database test may reach the reporting database too: erasure and
    retention remove facts there in the same run as the source rows, so any test
    that erases or deletes touches both (analytics/reporting)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not _DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        kwargs = dict(marker.kwargs) if marker else {}
        if "transactional_db" in getattr(item, "fixturenames", ()):
            kwargs.setdefault("transaction", True)
        if kwargs.get("databases") is None:
            kwargs["databases"] = "__all__"
            marked = pytest.mark.django_db(*(marker.args if marker else ()), **kwargs)
            item.add_marker(marked, append=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL the suite runs under row-level security, as production does:
    the test databases are created and migrated by the configured (owner) user,
    then every connection of the default database switches to an application
    role that owns no table (``DATABASE_TEST_APP_ROLE``), member of the platform
    role (instaply/rls_schema.py). Outside requests and tasks, test code acts as
    the platform: its fixtures write rows of several tenants."""
    from instaply import rls, rls_schema

    rls.set_process_default(rls.platform_scope("test fixtures"))
    default = connections["default"]
    if default.vendor != "postgresql" or not settings.DATABASE_RLS:
        yield
        return
    app_role = settings.DATABASE_TEST_APP_ROLE
    owner = default.settings_dict["USER"]
    with django_db_blocker.unblock():
        with transaction.atomic(), default.cursor() as cursor:
            rls_schema.create_roles(cursor, app_role=app_role)
            _grant_for_tests(cursor)
        _connect_as(default, app_role)
    settings.DATABASE_TEST_OWNER = owner
    yield
    with django_db_blocker.unblock():
        _connect_as(default, owner)


@pytest.fixture
def table_owner(settings):
    """Connects as the tables' owner for one test: a migration test alters tables,
    which only their owner may do (the suite otherwise runs as the application role)."""
    owner = getattr(settings, "DATABASE_TEST_OWNER", None)
    default = connections["default"]
    if owner is None:
        yield
        return
    from instaply import rls_schema

    app_role = default.settings_dict["USER"]
    _connect_as(default, owner)
    yield
    # Tables the test dropped and made again lost their policies and grants.
    rls_schema.apply_policies()
    with default.cursor() as cursor:
        _grant_for_tests(cursor)
    _connect_as(default, app_role)


def _grant_for_tests(cursor) -> None:
    from instaply import rls_schema

    role = rls_schema.platform_role()
    # Flushing between transactional tests truncates the tables.
    cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{role}"')
    # Tests that watch for lock waits read other sessions in pg_stat_activity.
    cursor.execute(f'GRANT pg_read_all_stats TO "{role}"')


def _connect_as(connection, user: str) -> None:
    connection.close()
    connection.close_pool()
    connection.settings_dict["USER"] = user
    connection.settings_dict["PASSWORD"] = ""


class TenantWorld:
    """A tenant with a shop and one membership per role, each with an API client."""

    def __init__(self, name: str):
        self.tenant = TenantFactory(name=name)
        self.shop = ShopFactory(tenant=self.tenant)
        self.members = {
            role: MembershipFactory(tenant=self.tenant, role=role) for role in Role.values
        }

    def client(self, role: str = Role.OWNER) -> APIClient:
        _, raw = api_token_create(membership=self.members[role], name=f"test {role}")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    @property
    def owner(self):
        return self.members[Role.OWNER]


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks run in-process in tests, whatever broker is configured; tests that
    need a real worker switch this off (see tests/integration)."""
    from instaply.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def default_language_after_test():
    """A request of a French-speaking person leaves French active in the thread
    (web.preferences, like Django's LocaleMiddleware, activates and never resets):
    the next test in the same process starts from the default language again."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True, scope="session")
def erasure_ledger_outside_the_checkout(tmp_path_factory):
    """Every destroyed data key gets a line in the erasure ledger (privacy/
    erasure_ledger.py): under tests it goes to a temporary file, not var/backups."""
    from django.conf import settings

    settings.ERASURE_LEDGER_PATH = tmp_path_factory.mktemp("ledger") / "erasure-ledger.jsonl"


@pytest.fixture(autouse=True)
def rate_limits_per_test(settings):
    """Rate-limit counters live in the shared cache (Redis under CI): a key prefix
    per test keeps one test's requests from counting against another's, even
    across xdist workers, without flushing anything. Lockout counts (django-axes)
    are database rows and roll back with each test."""
    settings.RATE_LIMIT_KEY_PREFIX = f"ratelimit-test-{uuid.uuid4().hex}"


@pytest.fixture
def tenant_a(db):
    return TenantWorld("Alpha Shoes")


@pytest.fixture
def tenant_b(db):
    return TenantWorld("Beta Repairs")


@pytest.fixture
def anonymous():
    return APIClient()
