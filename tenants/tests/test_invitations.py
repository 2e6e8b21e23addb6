import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tenants.models import Invitation, InvitationDelivery, Membership, Role

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/invite/(?P<slug>[\w-]+)/(?P<token>inv_[\w-]+)/")


def _invite(world, email="new.agent@example.org", role=Role.AGENT, as_role=Role.ADMIN):
    return world.client(as_role).post(
        "/api/v1/invitations", {"email": email, "role": role}, format="json"
    )


def _link_from_outbox():
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match["slug"], match["token"]


def test_admin_invites_and_the_person_joins_with_the_emailed_link(
    tenant_a, anonymous, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(tenant_a)
    assert response.status_code == 201, response.json()
    assert "token" not in response.json()
    listed = tenant_a.client(Role.ADMIN).get("/api/v1/invitations").json()["results"]
    assert [(i["id"], i["delivery"]["status"]) for i in listed] == [(response.json()["id"], "sent")]
    invitation = Invitation.objects.get(pk=response.json()["id"])
    assert invitation.delivery.sent_at is not None
    slug, token = _link_from_outbox()
    assert slug == tenant_a.tenant.slug
    # Only the digest is stored.
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64

    accepted = anonymous.post(
        "/api/v1/invitations/accept",
        {"tenant": slug, "token": token, "password": "a long new password 42", "full_name": "Ann"},
        format="json",
    )
    assert accepted.status_code == 201, accepted.json()
    membership = Membership.objects.get(pk=accepted.json()["id"])
    assert (membership.tenant, membership.role) == (tenant_a.tenant, Role.AGENT)

    again = anonymous.post(
        "/api/v1/invitations/accept",
        {"tenant": slug, "token": token, "password": "a long new password 42"},
        format="json",
    )
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "invitation_invalid"


def test_a_token_of_one_tenant_never_joins_another(
    tenant_a, tenant_b, anonymous, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(tenant_a, email="mallory@example.org", role=Role.ADMIN)
    _, token = _link_from_outbox()
    response = anonymous.post(
        "/api/v1/invitations/accept",
        {"tenant": tenant_b.tenant.slug, "token": token, "password": "a long new password 42"},
        format="json",
    )
    assert response.status_code == 404
    assert not Membership.objects.filter(user__email="mallory@example.org").exists()


def test_an_expired_invitation_is_refused(tenant_a, anonymous, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(tenant_a)
    slug, token = _link_from_outbox()
    with time_machine.travel(timezone.now() + timezone.timedelta(days=4)):
        response = anonymous.post(
            "/api/v1/invitations/accept",
            {"tenant": slug, "token": token, "password": "a long new password 42"},
            format="json",
        )
    assert response.status_code == 404


def test_a_revoked_invitation_is_refused(tenant_a, anonymous, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = _invite(tenant_a).json()
    slug, token = _link_from_outbox()
    assert (
        tenant_a.client(Role.ADMIN).delete(f"/api/v1/invitations/{created['id']}").status_code
        == 204
    )
    response = anonymous.post(
        "/api/v1/invitations/accept",
        {"tenant": slug, "token": token, "password": "a long new password 42"},
        format="json",
    )
    assert response.status_code == 404


def test_a_weak_password_is_refused_with_the_reason(
    tenant_a, anonymous, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(tenant_a)
    slug, token = _link_from_outbox()
    response = anonymous.post(
        "/api/v1/invitations/accept",
        {"tenant": slug, "token": token, "password": "short"},
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]


def test_an_admin_cannot_invite_an_owner(tenant_a):
    response = _invite(tenant_a, role=Role.OWNER, as_role=Role.ADMIN)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_an_agent_cannot_invite(tenant_a):
    response = _invite(tenant_a, as_role=Role.AGENT)
    assert response.status_code == 403
    assert "agent role cannot manage staff" in response.json()["error"]["message"]


def test_running_the_send_task_twice_sends_once(tenant_a, django_capture_on_commit_callbacks):
    from tenants.tasks import invitation_deliver

    with django_capture_on_commit_callbacks(execute=True):
        created = _invite(tenant_a).json()
    token_hash = Invitation.objects.get(pk=created["id"]).token_hash
    invitation_deliver(str(InvitationDelivery.objects.get(invitation_id=created["id"]).pk))
    assert len(mail.outbox) == 1
    # The link that went out still works: the second run made no new token.
    assert Invitation.objects.get(pk=created["id"]).token_hash == token_hash
