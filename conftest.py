"""Fixtures shared by every app's tests: two tenants with one member per role."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.conf import settings
from django.db import connections
from django.utils import translation
from rest_framework.test import APIClient

from tenants.models import Role
from tenants.services.tokens import api_token_create
from tenants.tests.factories import MembershipFactory, ShopFactory, TenantFactory
from tests import row_security

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
    """On PostgreSQL the suite runs under row-level security, as production does
    (tests/row_security.py). Outside requests and tasks, test code acts as the
    platform: its fixtures write rows of several tenants."""
    from instaply import rls

    rls.set_process_default(rls.platform_scope("test fixtures"))
    default = connections["default"]
    if default.vendor != "postgresql" or not settings.DATABASE_RLS:
        yield None
        return
    with django_db_blocker.unblock():
        owner = row_security.switch_to_application_role(default)
    yield owner
    with django_db_blocker.unblock():
        row_security.connect_as(default, owner)


@pytest.fixture
def table_owner(django_db_setup):
    """Connects as the tables' owner for one test: a migration test alters tables,
    which only their owner may do (the suite otherwise runs as the application role)."""
    default = connections["default"]
    if django_db_setup is None:
        yield
        return
    application = row_security.owner_login(default)
    row_security.connect_as(default, django_db_setup)
    yield
    row_security.restore_after_owner_test(default)
    row_security.connect_as(default, application)


@pytest.fixture
def without_row_security(monkeypatch):
    """PostgreSQL's second line off for one test: every statement runs as the
    platform role, so the test sees what the application's scoping alone lets
    through (a deliberately leaky endpoint the walks must catch), or plans a
    query as the owner would."""
    from instaply import rls

    bypass = rls.platform_scope("test: the application's scoping alone")
    monkeypatch.setattr(rls, "current", lambda: bypass)


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
def sms_routes_per_test():
    """The webhook routes a process keeps (channels_sms/services/routing.py) are of
    rows each test rolls back: the next test starts with none."""
    yield
    from channels_sms.services.routing import book

    book.clear()


@pytest.fixture(autouse=True)
def rate_limits_per_test(settings):
    """Rate-limit counters live in the shared cache (Redis under CI): a key prefix
    per test keeps one test's requests from counting against another's, even
    across xdist workers, without flushing anything. Lockout counts (django-axes)
    are database rows and roll back with each test."""
    settings.RATE_LIMIT_KEY_PREFIX = f"ratelimit-test-{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def provider_health_per_test(settings):
    """Provider failure counts live in the shared cache too (channels_sms/provider_health.py):
    one test's failing provider must not read as degraded in another's /readyz."""
    settings.SMS_PROVIDER_HEALTH_KEY_PREFIX = f"sms-provider-failures-test-{uuid.uuid4().hex}"


@pytest.fixture
def tenant_a(db):
    return TenantWorld("Alpha Shoes")


@pytest.fixture
def tenant_b(db):
    return TenantWorld("Beta Repairs")


@pytest.fixture
def anonymous():
    return APIClient()


def pytest_terminal_summary(terminalreporter):
    """The fault suite's counts (tests/faults), one line per case, after any run
    that included it; here because under xdist only the root conftest is loaded
    where the summary is written."""
    lines = {}
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            for name, value in getattr(report, "user_properties", ()):
                if name == "faults":
                    lines[value] = None
    if lines:
        terminalreporter.section("fault suite counts")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def fresh_rate_window():
    """Starts the test one second into a new minute, the clock still running: rate
    limits count in fixed windows, and one that ended mid-test would reset its count."""
    now = dt.datetime.now(dt.UTC)
    start = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1, seconds=1)
    with time_machine.travel(start, tick=True):
        yield
