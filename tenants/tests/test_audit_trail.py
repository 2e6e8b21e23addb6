"""Staff changes and refusals leave audit events, with the request's IP."""

import pytest

from audit.models import AuditEvent
from tenants.models import Role

pytestmark = pytest.mark.django_db


def _last(action):
    return AuditEvent.objects.filter(action=action).order_by("-created_at").first()


def test_token_and_membership_changes_are_recorded_with_the_ip(tenant_a):
    owner = tenant_a.client()
    created = owner.post("/api/v1/tokens", {"name": "ci"}, format="json", REMOTE_ADDR="203.0.113.7")
    event = _last("token.created")
    assert event.target_id == created.json()["id"] and event.ip == "203.0.113.7"
    assert event.actor_member_id == tenant_a.owner.id

    agent = tenant_a.members[Role.AGENT]
    owner.patch(f"/api/v1/members/{agent.id}", {"role": "viewer"}, format="json")
    assert _last("member.role_changed").metadata == {"from_role": "agent", "to_role": "viewer"}
    owner.post(f"/api/v1/members/{agent.id}/revoke")
    revoked = _last("member.revoked")
    assert revoked.target_id == str(agent.id) and revoked.tenant_id == tenant_a.tenant.id
    owner.delete(f"/api/v1/tokens/{created.json()['id']}")
    assert _last("token.revoked").target_id == created.json()["id"]
    owner.post("/api/v1/invitations", {"email": "new@x.example", "role": "agent"}, format="json")
    invited = _last("member.invited")
    assert invited.metadata == {"role": "agent"} and "new@x.example" not in str(invited.metadata)


def test_permission_refusals_are_recorded_as_access_denied(tenant_a):
    viewer = tenant_a.members[Role.VIEWER]
    tenant_a.client(Role.VIEWER).post("/api/v1/shops", {"name": "x"}, format="json")
    event = _last("access.denied")
    assert event.outcome == "denied" and event.actor_member_id == viewer.id
    assert event.metadata["status"] == 403 and event.metadata["code"] == "permission_denied"
    assert event.tenant_id == tenant_a.tenant.id


def test_scoping_refusals_are_recorded_as_access_denied(tenant_a, tenant_b):
    tenant_a.client(Role.AGENT).get(f"/api/v1/shops/{tenant_b.shop.id}")
    event = _last("access.denied")
    assert (
        event.metadata["status"] == 404 and event.metadata["route"] == "api/v1/shops/<uuid:shop_id>"
    )
    assert str(tenant_b.shop.id) not in str(event.metadata)
    assert event.tenant_id == tenant_a.tenant.id  # the caller's tenant, not the one probed


def test_a_burst_of_denials_raises_a_security_alert(
    tenant_a, tenant_b, settings, django_capture_on_commit_callbacks
):
    from audit.models import SecurityAlert

    settings.SECURITY_ALERT_ACCESS_DENIALS = (5, 300)
    client = tenant_a.client(Role.AGENT)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            client.get(f"/api/v1/shops/{tenant_b.shop.id}")
    alert = SecurityAlert.objects.get(tenant=tenant_a.tenant)
    assert alert.rule == "access_denials"


def test_a_session_refusal_is_audited_as_the_member(tenant_a):
    from web.tests.helpers import verified_client

    viewer = tenant_a.members[Role.VIEWER]
    browser = verified_client(viewer.user)
    assert (
        browser.post("/api/v1/shops", {"name": "x"}, content_type="application/json").status_code
        == 403
    )
    event = _last("access.denied")
    assert event.actor_member_id == viewer.id and event.tenant_id == tenant_a.tenant.id
