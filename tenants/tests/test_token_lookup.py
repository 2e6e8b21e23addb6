"""The bearer token's one query: whole rows, the same values as the ORM reads."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import credentials
from tenants.authentication import token_by_digest
from tenants.models import ApiToken, Role
from tenants.services.tokens import api_token_create

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_token_comes_with_its_membership_user_and_tenant_as_the_orm_reads_them(tenant_a):
    agent = tenant_a.members[Role.AGENT]
    token, raw = api_token_create(membership=agent, name="lookup")

    with CaptureQueriesContext(connection) as queries:
        found = token_by_digest(credentials.digest(raw))
        membership, user, tenant = found.membership, found.membership.user, found.membership.tenant
    assert len(queries) == 1  # the related rows came with the token

    expected = (
        ApiToken.objects.dangerously_unscoped(reason="a test compares with the ORM")
        .select_related("membership__user", "membership__tenant")
        .get(pk=token.pk)
    )
    assert _fields(found) == _fields(expected)
    assert _fields(membership) == _fields(expected.membership)
    assert _fields(user) == _fields(expected.membership.user)
    assert _fields(tenant) == _fields(expected.membership.tenant)
    assert not found.get_deferred_fields() and not user.get_deferred_fields()
    assert membership.tenant_id == tenant.pk == tenant_a.tenant.pk


def test_an_unknown_digest_finds_nothing(tenant_a):
    assert token_by_digest(credentials.digest("ipt_not-a-token")) is None
