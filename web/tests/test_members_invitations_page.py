"""The members page shows each invitation's email delivery and lets admins resend it."""

import pytest

from tenants.models import Invitation, InvitationDelivery, Role
from tenants.tests.mail_server import MailServer

pytestmark = pytest.mark.django_db


def _row(page: str, invitation) -> str:
    row = page[page.index(f'data-invitation="{invitation.id}"') :]
    return row[: row.index("</tr>")]


def test_the_page_shows_a_failed_invitation_and_resends_it(
    tenant_a, page_as, settings, django_capture_on_commit_callbacks
):
    browser = page_as(Role.ADMIN)
    with MailServer(refuse=True) as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        with django_capture_on_commit_callbacks(execute=True):
            browser.post("/settings/members/", {"email": "lost@example.org", "role": "agent"})
        invitation = Invitation.objects.get(tenant=tenant_a.tenant, email="lost@example.org")
        row = _row(browser.get("/settings/members/").content.decode(), invitation)
        assert 'data-delivery="failed"' in row
        assert "Not delivered" in row and "The mail server refused this address." in row
        assert f"/settings/invitations/{invitation.id}/resend" in row

        server.refuse = False
        with django_capture_on_commit_callbacks(execute=True):
            done = browser.post(f"/settings/invitations/{invitation.id}/resend", follow=True)
    assert "A new invitation link is on its way" in done.content.decode()
    page = browser.get("/settings/members/").content.decode()
    assert 'data-delivery="sent"' in _row(page, invitation)
    assert len(server.messages) == 1


def test_a_queued_invitation_reads_as_sending_in_french(tenant_a, page_as):
    invitation = Invitation.objects.create(
        tenant=tenant_a.tenant, email="soon@example.org", role="viewer",
        expires_at="2099-01-01T00:00:00Z",
    )  # fmt: skip
    InvitationDelivery.objects.create(tenant=tenant_a.tenant, invitation=invitation)
    browser = page_as(Role.OWNER)
    page = browser.get("/settings/members/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Envoi en cours" in _row(page, invitation)


def test_the_form_refuses_a_second_invitation_and_an_overlong_address(tenant_a, page_as):
    browser = page_as(Role.ADMIN)
    browser.post("/settings/members/", {"email": "dup@example.org", "role": "agent"})
    again = browser.post("/settings/members/", {"email": "DUP@example.org", "role": "viewer"})
    assert again.status_code == 200
    assert "is already waiting for an answer" in again.content.decode()
    assert Invitation.objects.filter(tenant=tenant_a.tenant).count() == 1

    overlong = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"
    refused = browser.post("/settings/members/", {"email": overlong, "role": "agent"})
    assert "at most 254 characters" in refused.content.decode()
    assert Invitation.objects.filter(tenant=tenant_a.tenant).count() == 1
