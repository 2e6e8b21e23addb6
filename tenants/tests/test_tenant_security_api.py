"""PATCH /api/v1/tenant/security: owners and admins require 2FA for every member."""

import pytest

from audit.models import AuditEvent
from tenants.models import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/tenant/security"


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_switch_the_setting(tenant_a, tenant_b, role):
    api = tenant_a.client(role)
    assert api.get(URL).json() == {
        "require_2fa_for_all": False,
        "two_factor_roles": ["owner", "admin", "privacy"],
    }
    response = api.patch(URL, {"require_2fa_for_all": True}, format="json")
    assert response.status_code == 200 and response.json()["require_2fa_for_all"] is True
    tenant_a.tenant.refresh_from_db()
    tenant_b.tenant.refresh_from_db()
    assert tenant_a.tenant.require_2fa_for_all and not tenant_b.tenant.require_2fa_for_all

    event = AuditEvent.objects.get(action="tenant.security.updated")
    assert event.tenant_id == tenant_a.tenant.id
    assert event.actor_member_id == tenant_a.members[role].id
    assert event.metadata == {"require_2fa_for_all": True, "previous": False}
    # Setting the same value again changes nothing and records nothing.
    api.patch(URL, {"require_2fa_for_all": True}, format="json")
    assert AuditEvent.objects.filter(action="tenant.security.updated").count() == 1


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER, Role.PRIVACY])
def test_other_roles_cannot(tenant_a, role):
    response = tenant_a.client(role).patch(URL, {"require_2fa_for_all": True}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    tenant_a.tenant.refresh_from_db()
    assert not tenant_a.tenant.require_2fa_for_all


def test_a_bad_body_is_a_clear_400(tenant_a):
    api = tenant_a.client()
    missing = api.patch(URL, {}, format="json")
    assert missing.status_code == 400 and "require_2fa_for_all" in missing.json()["error"]["fields"]
    typo = api.patch(URL, {"require_2fa": True}, format="json")
    assert typo.status_code == 400 and "require_2fa" in typo.json()["error"]["fields"]
