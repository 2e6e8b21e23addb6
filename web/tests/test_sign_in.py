import re

import pytest
from django.test import Client

from tenants.models import Role
from tenants.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_renders(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content and b"csrfmiddlewaretoken" in response.content


def test_a_member_signs_in_and_lands_on_their_workspace(tenant_a):
    # An agent without an authenticator: the password is the whole sign-in
    # (owners' second step is in test_two_factor.py).
    browser = Client(enforce_csrf_checks=False)
    agent = tenant_a.members[Role.AGENT]
    response = browser.post(
        "/login/", {"username": agent.user.email.upper(), "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    page = browser.get("/")
    assert page.status_code == 200
    assert tenant_a.tenant.name in page.content.decode()


def test_the_session_key_changes_at_sign_in(tenant_a):
    browser = Client()
    browser.get("/login/")
    browser.session.save()
    before = browser.session.session_key
    browser.post("/login/", {"username": tenant_a.owner.user.email, "password": TEST_PASSWORD})
    assert browser.session.session_key != before


def test_a_wrong_password_is_refused(tenant_a):
    response = Client().post("/login/", {"username": tenant_a.owner.user.email, "password": "nope"})
    assert response.status_code == 200
    assert b"correct email" in response.content or b"Please enter a correct" in response.content


def test_pages_need_a_session(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_person_in_two_tenants_switches(tenant_a, tenant_b):
    from tenants.tests.factories import MembershipFactory

    person = tenant_a.members[Role.AGENT].user
    MembershipFactory(tenant=tenant_b.tenant, user=person, role=Role.VIEWER)
    browser = Client()
    browser.force_login(person)
    browser.get("/")
    browser.post("/switch-tenant/", {"tenant": tenant_b.tenant.slug})
    assert browser.get("/api/v1/me").json()["tenant"]["slug"] == tenant_b.tenant.slug
    browser.post("/switch-tenant/", {"tenant": "not-mine"})
    assert browser.get("/api/v1/me").json()["tenant"]["slug"] == tenant_b.tenant.slug


def test_error_pages_share_the_site_look(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"There is nothing at this address" in response.content


def test_an_invitation_link_is_traded_for_a_session_then_joins(
    tenant_a, tenant_b, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tenant_a.client(Role.ADMIN).post(
            "/api/v1/invitations", {"email": "new@example.org", "role": "agent"}, format="json"
        )
    link = re.search(r"/invite/[\w-]+/inv_[\w-]+/", mailoutbox[-1].body)[0]
    join = f"/invite/{tenant_a.tenant.slug}/join/"

    browser = Client()
    assert browser.get(link)["Location"] == join
    # The token held by this session opens this tenant's page only, and no other session's.
    other_tenant = browser.get(f"/invite/{tenant_b.tenant.slug}/join/")
    assert b"invalid, used or expired" in other_tenant.content
    assert b"invalid, used or expired" in Client().get(join).content
    assert b"invalid, used or expired" not in browser.get(join).content

    joined = browser.post(join, {"full_name": "New Person", "password": "a sturdy passphrase"})
    assert joined["Location"] == "/"
    assert browser.get("/").status_code == 200
    assert "_invitation_token" not in browser.session
    assert b"invalid, used or expired" in Client().post(link, {"password": "x" * 12}).content
