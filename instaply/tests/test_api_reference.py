"""The API reference speaks to the people calling the API: every operation has a
summary of its own, and no maintainer's docstring leaks into it."""

import inspect

import pytest

from instaply.api.reference import OPERATIONS
from tenants.api.base import TenantAPIView

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def operations(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    return {
        f"{method.upper()} {path}": operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def test_no_operation_shows_the_base_views_docstring(operations):
    internal = inspect.getdoc(TenantAPIView)
    leaked = [key for key, op in operations.items() if internal in op.get("description", "")]
    assert leaked == []
    assert not [key for key, op in operations.items() if "Subclasses declare" in str(op)]


def test_every_operation_has_its_own_summary(operations):
    missing = sorted(set(operations) - set(OPERATIONS))
    assert missing == [], "describe these operations in instaply/api/reference.py"
    summaries = [op.get("summary") for op in operations.values()]
    assert all(summaries) and len(set(summaries)) == len(summaries)


def test_the_reference_names_no_operation_that_is_gone(operations):
    assert sorted(set(OPERATIONS) - set(operations)) == []


def test_each_member_operation_says_which_roles_may_call_it(operations):
    assert operations["GET /api/v1/members"]["description"].endswith(
        "Roles allowed: owner, admin, agent, viewer, privacy officer."
    )
    assert operations["POST /api/v1/members/{member_id}/revoke"]["description"].endswith(
        "Roles allowed: owner, admin."
    )
    assert "Roles allowed" not in operations["POST /api/v1/invitations/accept"]["description"]
