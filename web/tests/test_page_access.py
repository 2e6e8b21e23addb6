"""Every page is scoped to the member's tenant, refuses what the role may not do,
and has the site's look even when it fails; the admin asks for a second factor."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from audit.tests.factories import SecurityAlertFactory
from conversations.models import Widget
from notifications.tests.support import mention_make
from tenants.models import ApiToken, Invitation, Role
from tenants.services.tokens import api_token_create
from web.tests.conftest import start_conversation
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _web_routes():
    """The routes of the web app (the pages), with their prefix, down through the
    route modules it includes (breaches/, compliance/)."""

    def walk(patterns, prefix):
        for page in patterns:
            if isinstance(page, URLResolver):
                yield from walk(page.url_patterns, prefix + str(page.pattern))
            else:
                assert isinstance(page, URLPattern)
                yield prefix + str(page.pattern)

    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "web":
            yield from walk(pattern.url_patterns, str(pattern.pattern))


def _foreign_ids(world) -> dict:
    widget = Widget.objects.create(tenant=world.tenant, shop=world.shop)
    conversation = start_conversation(world, widget, name="Someone of B")
    token, _ = api_token_create(membership=world.members[Role.AGENT], name="b")
    from channels_sms.models import PhoneNumber, ProviderAccount

    account = ProviderAccount.objects.create(
        tenant=world.tenant, provider="twilio", account_ref="AC" + "c" * 32, auth_token="x"
    )
    number = PhoneNumber.objects.create(
        tenant=world.tenant, shop=world.shop, account=account, provider="twilio",
        number="+12025550199",
    )  # fmt: skip
    return {
        "conversation_id": conversation.id,
        "contact_id": conversation.contact_id,
        "message_id": conversation.messages.first().id,
        "mention_id": mention_make(world, conversation).id,
        "member_id": world.members[Role.AGENT].id,
        "invitation_id": Invitation.objects.create(
            tenant=world.tenant, email="x@b.example", role="agent", expires_at="2099-01-01T00:00Z"
        ).id,
        "token_id": token.id,
        "shop_id": world.shop.id,
        "number_id": number.id,
        "widget_id": widget.id,
        "alert_id": SecurityAlertFactory(tenant=world.tenant).id,
        "login_session_id": _login_session(world).id,
        **_platform_ids(world),
        **_privacy_ids(world, conversation.contact),
        **_breach_ids(world),
        **_compliance_ids(world),
        **_library_ids(world),
    }


def _library_ids(world) -> dict:
    from conversations.models import CannedResponse, Label
    from saved_views.models import SavedView

    return {
        "label_id": Label.objects.create(tenant=world.tenant, name="walk").id,
        "canned_id": CannedResponse.objects.create(tenant=world.tenant, shortcut="w", text="W").id,
        "view_id": SavedView.objects.create(
            tenant=world.tenant, membership=world.owner, name="walk"
        ).id,
    }


def _login_session(world):
    from analytics.login_data.models import LoginSession

    return LoginSession.objects.create(user=world.members[Role.AGENT].user)


def _compliance_ids(world) -> dict:
    from django.utils import timezone

    from compliance.models import AuditRequest
    from compliance.records.snapshot import records_refresh
    from compliance.selectors import latest_record_snapshot

    records_refresh(world.tenant.pk, now=timezone.now())
    audit = AuditRequest.objects.create(
        tenant=world.tenant, filed_by=world.owner, proposed_date="2099-01-15"
    )
    return {
        "snapshot_id": latest_record_snapshot(world.tenant).id,
        "audit_id": audit.id,
        "objection_id": _objection(world).id,
    }


def _objection(world):
    import datetime as dt

    from compliance.models import SubProcessor, SubProcessorChange, SubProcessorObjection

    entry = SubProcessor.objects.create(
        code=f"walk-{world.tenant.slug}"[:40], name="Walk SMS", purpose_en="SMS",
        purpose_fr="SMS", country="IE", safeguard="eu", since=dt.date(2099, 1, 1),
    )  # fmt: skip
    change = SubProcessorChange.objects.create(
        kind="added", subprocessor=entry, effective_on=dt.date(2099, 1, 1)
    )
    return SubProcessorObjection.objects.create(tenant=world.tenant, change=change, reason="Walk")


def _breach_ids(world) -> dict:
    from django.utils import timezone

    from breaches.tests.factories import incident_make, notice_make

    now = timezone.now()
    notice = notice_make(incident=incident_make(aware_at=now), tenant=world.tenant, sent_at=now)
    return {"breach_notice_id": notice.id}


def _platform_ids(world) -> dict:
    from platform_staff.models import PlatformStaff
    from platform_staff.services.grants import access_request
    from tenants.models import Notice
    from tenants.tests.factories import UserFactory

    staff = PlatformStaff.objects.create(user=UserFactory(), roles=["support"], country="FR")
    grant = access_request(
        staff=staff, tenant=world.tenant, scope="tenant", reason_code="incident_response",
        justification="Walk.", hours=1,
    )  # fmt: skip
    notice = Notice.objects.for_tenant(world.tenant).get(kind="platform_access.requested")
    return {"grant_id": grant.id, "notice_id": notice.id}


def _privacy_ids(world, contact) -> dict:
    import datetime as dt

    from privacy.dsr.models import LegalHold
    from privacy.dsr.services import dsr_file

    dsr, _ = dsr_file(
        membership=world.owner, request_type="access", contact_id=contact.id,
        subject_asked_on=dt.date(2026, 1, 1), identity_verified=True,
    )  # fmt: skip
    hold = LegalHold.objects.create(tenant=world.tenant, contact=contact, reason="Walk")
    return {"dsr_id": dsr.id, "hold_id": hold.id}


def test_every_page_with_an_id_is_a_404_for_another_tenants_object(tenant_a, tenant_b):
    foreign = _foreign_ids(tenant_b)
    browser = verified_client(tenant_a.owner.user)  # the most privileged member of A
    walked = []
    for route in _web_routes():
        names = _PARAM.findall(route)
        if not names or "token" in names or "uidb64" in names:
            continue  # the invitation and password-reset links carry their own secret
        if "change_id" in names:
            continue  # a sub-processor change is the platform's: every tenant may object to it
        assert all(name in foreign for name in names), f"{route}: extend this walk"
        path = "/" + _PARAM.sub(lambda m: str(foreign[m[1]]), route)
        for method in ("get", "post"):
            response = getattr(browser, method)(path)
            if response.status_code == 405:
                continue
            walked.append(f"{method} {route}")
            assert response.status_code == 404, (method, path, response.status_code)
    assert len(walked) >= 16
    assert ApiToken.objects.get(name="b").revoked_at is None  # nothing of B changed


def test_error_pages_share_the_look_and_are_private(client, tenant_a, page_as):
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404 and b'class="topbar"' in missing.content
    refused = page_as(Role.VIEWER).post(f"/settings/members/{tenant_a.owner.id}/revoke")
    assert refused.status_code == 403 and b"Your role does not allow" in refused.content
    assert refused["Cache-Control"] == "private, no-store"
    from web.errors import page_server_error

    request = Client().get("/login/").wsgi_request
    failed = page_server_error(request)
    assert failed.status_code == 500 and b"Something went wrong" in failed.content
    french = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "<h1>Introuvable</h1>" in french.content.decode()


def test_a_form_posted_without_its_token_gets_a_clear_page(tenant_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(tenant_a.members[Role.AGENT].user)
    answer = browser.post("/settings/tokens/", {"name": "x"})
    assert answer.status_code == 403 and b"This form has expired" in answer.content


def test_the_admin_asks_for_a_second_factor(db):
    from tenants.models import User

    root = User.objects.create_superuser("root@platform.example", "a long admin password")
    password_only = Client()
    password_only.force_login(root)
    assert password_only.get("/admin/")["Location"].startswith("/admin/login/")
    login = password_only.get("/admin/login/").content.decode()
    assert 'name="otp_token"' in login
    assert verified_client(root).get("/admin/").status_code == 200


def test_the_live_feed_tells_a_revoked_page_to_go(tenant_a):
    """The inbox script reloads on a 404 from the feed; the reload signs out."""
    agent = tenant_a.members[Role.AGENT]
    browser = Client()
    browser.force_login(agent.user)
    assert browser.get("/api/v1/events").status_code == 200
    agent.revoked_at = "2020-01-01T00:00Z"
    agent.save(update_fields=["revoked_at"])
    assert browser.get("/api/v1/events?after=0&wait=0").status_code == 404
    assert browser.get("/inbox/")["Location"] == "/login/"
    fetched = Client()
    fetched.force_login(agent.user)
    answer = fetched.get("/inbox/rows", HTTP_X_REQUESTED_WITH="fetch")
    assert answer.status_code == 401 and answer.json()["location"] == "/login/"


def test_background_polling_does_not_keep_a_session_alive(tenant_a, settings):
    import time_machine

    from instaply.session_idle import LAST_SEEN_KEY

    with time_machine.travel("2030-01-01 09:00Z", tick=False) as clock:
        browser = Client()
        browser.force_login(tenant_a.members[Role.AGENT].user)
        browser.get("/inbox/")
        seen = browser.session[LAST_SEEN_KEY]
        clock.shift(300)
        browser.get("/api/v1/events?after=0&wait=0", HTTP_X_INSTAPLY_BACKGROUND="1")
        assert browser.session[LAST_SEEN_KEY] == seen
        browser.get("/inbox/")
        assert browser.session[LAST_SEEN_KEY] == seen + 300
        clock.shift(settings.SESSION_IDLE_TIMEOUT + 1)
        assert (
            browser.get("/api/v1/events?after=0&wait=0", HTTP_X_INSTAPLY_BACKGROUND="1").status_code
            == 401
        )


def test_a_malformed_cursor_is_a_bad_request_page(page_as, conversation_a):
    browser = page_as(Role.AGENT)
    for path in ("/inbox/?cursor=nonsense", "/inbox/rows?cursor=nonsense",
                 f"/c/{conversation_a.id}/thread?cursor=nonsense"):  # fmt: skip
        answer = browser.get(path)
        assert answer.status_code == 400, path
        assert b"The request could not be understood." in answer.content


def test_the_frame_names_the_person_and_switches_workspaces(tenant_a, tenant_b):
    from tenants.tests.factories import MembershipFactory

    person = tenant_a.members[Role.AGENT].user
    MembershipFactory(tenant=tenant_b.tenant, user=person, role=Role.VIEWER)
    browser = verified_client(person)
    html = browser.get("/account/").content.decode()
    assert person.get_full_name() in html and ">Agent<" in html
    assert 'name="tenant"' in html and f"{tenant_b.tenant.name} (Viewer)" in html
    browser.post("/switch-tenant/", {"tenant": tenant_b.tenant.slug})
    after = browser.get("/account/").content.decode()
    assert ">Viewer<" in after
    alone = verified_client(tenant_a.members[Role.ADMIN].user).get("/account/").content.decode()
    assert 'name="tenant"' not in alone and tenant_a.tenant.name in alone
