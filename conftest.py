"""Fixtures shared by every app's tests: two tenants with one member per role."""

import uuid

import pytest
from rest_framework.test import APIClient

from tenants.models import Role
from tenants.services.tokens import api_token_create
from tenants.tests.factories import MembershipFactory, ShopFactory, TenantFactory


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
