"""Invitations refuse what no mail server accepts, and never pile up per address."""

import pytest
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from tenants.models import Invitation, Role

pytestmark = pytest.mark.django_db

# 254 characters is the longest address SMTP carries (RFC 5321); 312 was accepted.
LONGEST = "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".org"
TOO_LONG = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"


def _invite(world, email, role=Role.AGENT):
    return world.client(Role.ADMIN).post(
        "/api/v1/invitations", {"email": email, "role": role}, format="json"
    )


def test_addresses_longer_than_254_characters_are_refused_with_the_field_named(tenant_a):
    assert (len(LONGEST), len(TOO_LONG)) == (254, 312)
    response = _invite(tenant_a, TOO_LONG)
    assert response.status_code == 400, response.json()
    assert "email" in response.json()["error"]["fields"]
    assert not Invitation.objects.exists()
    assert _invite(tenant_a, LONGEST).status_code == 201


def test_the_database_refuses_an_overlong_address_too(tenant_a):
    # PostgreSQL's varchar(254) answers DataError; SQLite needs the check constraint.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Invitation.objects.create(
            tenant=tenant_a.tenant, email=TOO_LONG, role=Role.AGENT, expires_at=timezone.now()
        )


def test_inviting_a_pending_address_again_is_refused_and_keeps_one_invitation(tenant_a):
    assert _invite(tenant_a, "twice@example.org").status_code == 201
    again = _invite(tenant_a, " Twice@Example.org", role=Role.VIEWER)
    assert again.status_code == 409, again.json()
    error = again.json()["error"]
    assert error["code"] == "already_invited"
    assert "resend" in error["message"].lower()
    assert "email" in error["fields"]
    pending = Invitation.objects.filter(tenant=tenant_a.tenant, revoked_at__isnull=True)
    assert [(i.email, i.role) for i in pending] == [("twice@example.org", "agent")]


def test_the_database_keeps_one_pending_invitation_per_address(tenant_a):
    Invitation.objects.create(
        tenant=tenant_a.tenant, email="race@example.org", role="agent", expires_at=timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            tenant=tenant_a.tenant,
            email="RACE@example.org",
            role="agent",
            expires_at=timezone.now(),
        )


def test_an_address_can_be_invited_again_once_withdrawn_or_expired(tenant_a, tenant_b):
    first = _invite(tenant_a, "again@example.org").json()
    tenant_a.client(Role.ADMIN).delete(f"/api/v1/invitations/{first['id']}")
    second = _invite(tenant_a, "again@example.org")
    assert second.status_code == 201
    Invitation.objects.filter(pk=second.json()["id"]).update(expires_at=timezone.now())
    assert _invite(tenant_a, "again@example.org").status_code == 201
    # Another workspace inviting the same person is its own business.
    assert _invite(tenant_b, "again@example.org").status_code == 201
