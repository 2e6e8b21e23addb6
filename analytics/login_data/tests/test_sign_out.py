"""Ending a session: immediate, audited, told, and only within the workspace."""

import pytest
from django.core import mail

from analytics.login_data.models import LoginSession
from audit import actions
from audit.models import AuditEvent
from platform_staff.models import PlatformStaff
from tenants.models import Role
from tenants.tests.factories import MembershipFactory, UserFactory
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db


def _signed_out(browser) -> bool:
    answer = browser.get("/")
    return answer.status_code == 302 and answer["Location"].startswith("/login/")


def test_an_admin_signs_a_member_out_at_once(tenant_a, django_capture_on_commit_callbacks):
    from analytics.login_data.tests.conftest import browser_of

    agent = tenant_a.members[Role.AGENT].user
    member_browser = browser_of(agent)
    row = LoginSession.objects.get(user=agent)
    admin = verified_client(tenant_a.members[Role.ADMIN].user)
    page = admin.get("/settings/sign-ins/")
    assert page.status_code == 200 and f'data-session="{row.pk}"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(f"/settings/sign-ins/{row.pk}/sign-out")
    assert answer.status_code == 302
    assert _signed_out(member_browser)
    row.refresh_from_db()
    assert row.end_reason == "signed_out_by_admin" and row.ended_at and row.session_key == ""
    event = AuditEvent.objects.get(action=actions.LOGIN_SESSION_SIGNED_OUT)
    assert event.tenant_id == tenant_a.tenant.pk and event.target_id == str(row.pk)
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert tenant_a.tenant.name in mail.outbox[0].body
    # Ending it again changes nothing and tells nobody twice.
    admin.post(f"/settings/sign-ins/{row.pk}/sign-out")
    assert AuditEvent.objects.filter(action=actions.LOGIN_SESSION_SIGNED_OUT).count() == 1


def test_an_admin_sees_and_ends_nothing_of_another_workspace(tenant_a, tenant_b):
    from analytics.login_data.tests.conftest import browser_of

    theirs = browser_of(tenant_b.members[Role.AGENT].user)
    row = LoginSession.objects.get(user=tenant_b.members[Role.AGENT].user)
    admin = verified_client(tenant_a.members[Role.ADMIN].user)
    assert str(row.pk) not in admin.get("/settings/sign-ins/").content.decode()
    assert admin.post(f"/settings/sign-ins/{row.pk}/sign-out").status_code == 404
    person = tenant_b.members[Role.AGENT].pk
    assert admin.get(f"/settings/sign-ins/?person={person}").status_code == 404
    assert admin.post(f"/account/sign-ins/{row.pk}/sign-out").status_code == 404
    assert not _signed_out(theirs)
    assert LoginSession.objects.get(pk=row.pk).ended_at is None


def test_platform_staff_sessions_are_hidden_from_tenants(tenant_a):
    staff = UserFactory()
    PlatformStaff.objects.create(user=staff, roles=["support"], country="FR")
    # Even a platform person who somehow also held a membership stays hidden.
    MembershipFactory(tenant=tenant_a.tenant, user=staff, role=Role.AGENT)
    verified_client(staff)
    row = LoginSession.objects.get(user=staff)
    assert row.platform_staff
    admin = verified_client(tenant_a.members[Role.ADMIN].user)
    assert str(row.pk) not in admin.get("/settings/sign-ins/").content.decode()
    assert admin.post(f"/settings/sign-ins/{row.pk}/sign-out").status_code == 404


def test_only_owners_and_admins_see_the_staff_sessions(tenant_a):
    for role in (Role.AGENT, Role.VIEWER, Role.PRIVACY):
        browser = verified_client(tenant_a.members[role].user)
        assert browser.get("/settings/sign-ins/").status_code == 403
    owner = verified_client(tenant_a.owner.user)
    agent = tenant_a.members[Role.AGENT]
    filtered = owner.get(f"/settings/sign-ins/?person={agent.pk}").content.decode()
    assert agent.user.email in filtered and tenant_a.members[Role.VIEWER].user.email not in filtered


def test_a_person_ends_their_own_other_session(tenant_a):
    from analytics.login_data.tests.conftest import SAFARI_IPHONE, browser_of

    agent = tenant_a.members[Role.AGENT].user
    laptop = browser_of(agent)
    phone = browser_of(agent, agent=SAFARI_IPHONE)
    rows = {row.browser_family: row for row in LoginSession.objects.filter(user=agent)}
    page = laptop.get("/account/sign-ins/").content.decode()
    assert "Mobile Safari" in page and "This session" in page
    answer = laptop.post(f"/account/sign-ins/{rows['Mobile Safari'].pk}/sign-out")
    assert answer.status_code == 302
    assert _signed_out(phone) and not _signed_out(laptop)
    assert LoginSession.objects.get(pk=rows["Mobile Safari"].pk).end_reason == (
        "signed_out_elsewhere"
    )
    assert mail.outbox == []  # their own doing: no email
    other = LoginSession.objects.create(user=tenant_a.members[Role.VIEWER].user)
    assert laptop.post(f"/account/sign-ins/{other.pk}/sign-out").status_code == 404


def test_an_admin_cannot_end_an_owners_session_but_an_owner_can(tenant_a):
    from analytics.login_data.tests.conftest import browser_of

    owner = tenant_a.owner.user
    browser_of(owner)
    row = LoginSession.objects.get(user=owner)
    admin = verified_client(tenant_a.members[Role.ADMIN].user)
    assert admin.post(f"/settings/sign-ins/{row.pk}/sign-out").status_code == 403
    assert LoginSession.objects.get(pk=row.pk).ended_at is None
    other_owner = MembershipFactory(tenant=tenant_a.tenant, role=Role.OWNER)
    assert (
        verified_client(other_owner.user).post(f"/settings/sign-ins/{row.pk}/sign-out").status_code
        == 302
    )
    assert LoginSession.objects.get(pk=row.pk).end_reason == "signed_out_by_admin"


def _sign_out_offered(page: str, row) -> bool:
    """Whether the sign-ins page offers the sign-out form of ``row``."""
    return f'action="/settings/sign-ins/{row.pk}/sign-out"' in page


def test_the_page_offers_sign_out_only_where_the_viewer_may_end_the_session(tenant_a):
    from analytics.login_data.tests.conftest import browser_of

    browser_of(tenant_a.owner.user)
    browser_of(tenant_a.members[Role.AGENT].user)
    owners = LoginSession.objects.get(user=tenant_a.owner.user)
    agents = LoginSession.objects.get(user=tenant_a.members[Role.AGENT].user)

    admin_page = (
        verified_client(tenant_a.members[Role.ADMIN].user).get("/settings/sign-ins/").content
    ).decode()
    assert _sign_out_offered(admin_page, agents)
    assert not _sign_out_offered(admin_page, owners)
    assert "Only an owner can sign out an owner's session." in admin_page

    other_owner = MembershipFactory(tenant=tenant_a.tenant, role=Role.OWNER)
    owner_page = verified_client(other_owner.user).get("/settings/sign-ins/").content.decode()
    assert _sign_out_offered(owner_page, agents) and _sign_out_offered(owner_page, owners)
    assert "Only an owner can sign out" not in owner_page
