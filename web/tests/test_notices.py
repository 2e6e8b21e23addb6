"""In-app notices: the bell counts what the member may see, the page words it
in their language, Dismiss is idempotent, and nobody sees another's notices."""

import datetime as dt

import pytest
from django.utils import timezone

from platform_staff.models import PlatformStaff
from platform_staff.services.grants import access_request
from tenants.models import Notice, NoticeRead, Role
from tenants.permissions import Capability
from tenants.selectors_notices import notice_list, notice_unread_count
from tenants.services.notices import notice_post
from tenants.tests.factories import MembershipFactory, UserFactory
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db


def _request_access(world):
    staff = PlatformStaff.objects.create(
        user=UserFactory(full_name="Sam Support"), roles=["support"], country="FR"
    )
    access_request(
        staff=staff,
        tenant=world.tenant,
        scope="tenant",
        reason_code="incident_response",
        justification="Messages arrive twice.",
        hours=6,
    )
    return Notice.objects.for_tenant(world.tenant).get(kind="platform_access.requested")


def _bell(html: str) -> str:
    start = html.index('class="notices-link"')
    return html[start : html.index("</a>", start)]


def test_owners_and_admins_see_a_platform_access_request(tenant_a, page_as):
    notice = _request_access(tenant_a)
    admin = page_as(Role.ADMIN)
    assert 'data-unread="1"' in _bell(admin.get("/inbox/").content.decode())
    page = admin.get("/notices/").content.decode()
    assert f'data-notice="{notice.pk}"' in page
    assert "Platform support asks to access this workspace" in page
    assert "for 6 hours (reason: Incident response)" in page
    assert 'href="/settings/platform-access/"' in page


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER, Role.PRIVACY])
def test_roles_without_the_capability_see_nothing(tenant_a, page_as, role):
    notice = _request_access(tenant_a)
    browser = page_as(role)
    assert 'data-unread="0"' in _bell(browser.get("/account/").content.decode())
    assert f'data-notice="{notice.pk}"' not in browser.get("/notices/").content.decode()
    assert browser.post(f"/notices/{notice.pk}/dismiss").status_code == 404


def test_dismiss_is_idempotent_and_personal(tenant_a, page_as):
    notice = _request_access(tenant_a)
    admin = page_as(Role.ADMIN)
    for _ in range(2):
        response = admin.post(f"/notices/{notice.pk}/dismiss")
        assert response.status_code == 302 and response["Location"] == "/notices/"
    assert NoticeRead.objects.for_tenant(tenant_a.tenant).filter(notice=notice).count() == 1
    assert 'data-unread="0"' in _bell(admin.get("/notices/").content.decode())
    dismissed = admin.get("/notices/?dismissed=1").content.decode()
    assert f'data-notice="{notice.pk}"' in dismissed and "Dismiss</button>" not in dismissed
    # The owner has not dismissed it.
    assert notice_unread_count(membership=tenant_a.owner) == 1
    assert admin.get(f"/notices/{notice.pk}/dismiss").status_code == 405


def test_a_member_who_joined_later_does_not_inherit_old_notices(tenant_a):
    notice_post(tenant=tenant_a.tenant, capability=Capability.MAINTENANCE_GRANT, kind="x.old")
    newcomer = MembershipFactory(
        tenant=tenant_a.tenant, role=Role.ADMIN, created_at=timezone.now() + dt.timedelta(seconds=1)
    )
    assert notice_unread_count(membership=newcomer) == 0
    assert notice_unread_count(membership=tenant_a.owner) == 1


def test_a_revoked_member_sees_no_notices(tenant_a):
    _request_access(tenant_a)
    admin = tenant_a.members[Role.ADMIN]
    assert notice_unread_count(membership=admin) == 1
    admin.revoked_at = timezone.now()
    admin.save(update_fields=["revoked_at"])
    assert notice_unread_count(membership=admin) == 0
    assert not notice_list(membership=admin, dismissed=True).exists()
    response = verified_client(admin.user).get("/notices/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_another_tenants_notice_is_a_404(tenant_a, tenant_b):
    notice = _request_access(tenant_a)
    other = verified_client(tenant_b.owner.user)
    assert f'data-notice="{notice.pk}"' not in other.get("/notices/").content.decode()
    assert other.post(f"/notices/{notice.pk}/dismiss").status_code == 404
    assert not NoticeRead.objects.for_tenant(tenant_a.tenant).exists()


def test_an_unknown_kind_still_shows_and_a_foreign_link_is_dropped(tenant_a, page_as):
    notice_post(
        tenant=tenant_a.tenant,
        capability=Capability.SELF,
        kind="later.kind",
        link="https://elsewhere.example/",
    )
    page = page_as(Role.VIEWER).get("/notices/").content.decode()
    assert "There is news for this workspace." in page
    assert "elsewhere.example" not in page


def test_notices_speak_french(tenant_a, page_as):
    _request_access(tenant_a)
    owner = tenant_a.owner.user
    owner.language = "fr"
    owner.save(update_fields=["language"])
    page = page_as(Role.OWNER).get("/notices/").content.decode()
    assert "Le support de la plateforme demande à accéder à cet espace de travail" in page
    assert "Réponse à un incident" in page


def test_every_kind_the_code_posts_has_its_own_words(tenant_a, page_as):
    """A kind posted somewhere but never worded would read "There is news"."""
    for kind in ("disclosure.informed", "disclosure.corrected"):
        notice_post(
            tenant=tenant_a.tenant,
            capability=Capability.DISCLOSURES_READ,
            kind=kind,
            link="/settings/disclosures/",
            params={"disclosed_on": "2026-11-30"},
        )
    page = page_as(Role.OWNER).get("/notices/").content.decode()
    assert "There is news for this workspace." not in page
    assert "to an authority on 2026-11-30" in page
    assert "A disclosure entry was corrected" in page


def test_the_registry_words_every_kind_posted_in_the_code():
    """Scans the code for notice_post(kind="...") calls: each kind must be worded."""
    import ast
    from pathlib import Path

    from web.notices import _KINDS

    root = Path(__file__).resolve().parents[2]
    posted = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "notice_post":
                for keyword in node.keywords:
                    if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                        posted.add(keyword.value.value)
    assert {"platform_access.requested", "disclosure.informed"} <= posted
    assert posted - set(_KINDS) == set()
