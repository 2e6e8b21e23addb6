"""Settings of owners and admins: members, tokens, shops, numbers, widget, security."""

import re

import pytest
from django.test import Client

from audit.models import AuditEvent
from audit.tests.factories import SecurityAlertFactory
from channels_sms.models import PhoneNumber, ProviderAccount
from conversations.models import Widget
from tenants.models import ApiToken, Invitation, Role, Shop
from tenants.services.tokens import api_token_create
from web.tests.helpers import authenticator_for, verified_client

pytestmark = pytest.mark.django_db


def test_only_owners_and_admins_reach_the_settings(tenant_a, page_as):
    for role in (Role.AGENT, Role.VIEWER):
        browser = page_as(role)
        for path in ("/settings/members/", "/settings/shops/", "/settings/widget/",
                     "/settings/numbers/", "/settings/security/"):  # fmt: skip
            assert browser.get(path).status_code == 403, (role, path)
        assert browser.get("/settings/").url == "/settings/tokens/"  # their own tokens
        assert b">Settings<" not in browser.get("/account/").content
    for role in (Role.OWNER, Role.ADMIN):
        assert page_as(role).get("/settings/members/").status_code == 200


def test_members_show_roles_and_two_factor_and_are_invited(tenant_a, page_as, mailoutbox):
    authenticator_for(tenant_a.owner.user)
    browser = page_as(Role.ADMIN)
    page = browser.get("/settings/members/").content.decode()
    owner_row = page[page.index(f'data-member="{tenant_a.owner.id}"') :]
    assert ">On<" in owner_row[: owner_row.index("</tr>")]
    # An admin manages everyone but owners: no controls on the owner's row.
    assert f"/settings/members/{tenant_a.owner.id}/revoke" not in page
    assert f"/settings/members/{tenant_a.members[Role.AGENT].id}/revoke" in page
    assert 'value="owner"' not in page  # nor may they hand out the owner role

    browser.post("/settings/members/", {"email": "new.hire@a.example", "role": "agent"})
    invitation = Invitation.objects.get(tenant=tenant_a.tenant, email="new.hire@a.example")
    assert invitation.role == "agent"
    refused = browser.post("/settings/members/", {"email": "boss@a.example", "role": "owner"})
    assert b"Select a valid choice" in refused.content
    browser.post(f"/settings/invitations/{invitation.id}/revoke")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_roles_change_and_revocation_is_immediate(tenant_a, page_as):
    agent = tenant_a.members[Role.AGENT]
    agents_browser = Client()
    agents_browser.force_login(agent.user)
    assert agents_browser.get("/inbox/").status_code == 200
    _, raw = api_token_create(membership=agent, name="agent script")

    admin = page_as(Role.ADMIN)
    admin.post(f"/settings/members/{agent.id}/role", {"role": "viewer"})
    agent.refresh_from_db()
    assert agent.role == "viewer"
    answer = admin.post(f"/settings/members/{agent.id}/revoke", follow=True)
    assert b"no longer has access" in answer.content
    agent.refresh_from_db()
    assert agent.revoked_at is not None

    next_page = agents_browser.get("/inbox/")
    assert next_page.status_code == 302 and next_page["Location"] == "/login/"
    assert ApiToken.objects.get(membership=agent).revoked_at is not None
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me").status_code == 401
    # The last owner cannot be revoked, even by an owner.
    last = page_as(Role.OWNER).post(f"/settings/members/{tenant_a.owner.id}/revoke", follow=True)
    assert b"at least one active owner" in last.content


def test_api_tokens_are_shown_once_and_revoked(tenant_a, page_as):
    browser = page_as(Role.AGENT)
    created = browser.post("/settings/tokens/", {"name": "CRM sync"}).content.decode()
    raw = re.search(r'id="new-token" readonly value="([^"]+)"', created)[1]
    token = ApiToken.objects.get(name="CRM sync")
    assert raw.startswith(token.prefix)
    listing = browser.get("/settings/tokens/").content.decode()
    assert "CRM sync" in listing and raw not in listing  # never shown again
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 200
    browser.post(f"/settings/tokens/{token.id}/revoke")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 401
    # Another member's token is none of an agent's business (a 404, not a 403).
    other, _ = api_token_create(membership=tenant_a.members[Role.VIEWER], name="viewer's")
    assert browser.post(f"/settings/tokens/{other.id}/revoke").status_code == 404


def test_shops_with_business_hours_and_auto_reply(tenant_a, page_as):
    browser = page_as(Role.ADMIN)
    form = {
        "name": "Rue du Bac", "time_zone": "Europe/Paris",
        "auto_reply_text": "Closed now, back at 9.", "help_text": "Text STOP to stop.",
        "mon_1_open": "09:00", "mon_1_close": "12:30", "mon_2_open": "14:00", "mon_2_close": "19:00",
        "sat_1_open": "10:00", "sat_1_close": "13:00",
    }  # fmt: skip
    created = browser.post("/settings/shops/", form)
    assert created.status_code == 302
    shop = Shop.objects.get(tenant=tenant_a.tenant, name="Rue du Bac")
    assert shop.business_hours == {
        "mon": [["09:00", "12:30"], ["14:00", "19:00"]],
        "sat": [["10:00", "13:00"]],
    }
    assert shop.auto_reply_text == "Closed now, back at 9."
    page = browser.get(f"/settings/shops/{shop.id}/").content.decode()
    assert 'value="14:00"' in page and "Closed now, back at 9." in page

    wrong = browser.post(f"/settings/shops/{shop.id}/", form | {"mon_1_close": "08:00"})
    assert wrong.status_code == 200 and b"must be after the opening time" in wrong.content
    half = browser.post(f"/settings/shops/{shop.id}/", form | {"tue_1_open": "09:00"})
    assert b"Give both the opening and the closing time." in half.content
    browser.post(f"/settings/shops/{shop.id}/", form | {"sat_1_open": "", "sat_1_close": ""})
    shop.refresh_from_db()
    assert "sat" not in shop.business_hours


def test_phone_numbers(tenant_a, page_as, settings):
    browser = page_as(Role.ADMIN)
    assert b"Connect a provider account first." in browser.get("/settings/numbers/").content
    browser.post(
        "/settings/numbers/accounts",
        {
            "provider": "twilio",
            "name": "Main",
            "account_ref": "AC" + "a" * 32,
            "auth_token": "s3cr3t-token",
        },
    )
    account = ProviderAccount.objects.get(tenant=tenant_a.tenant)
    assert account.auth_token == "s3cr3t-token"
    page = browser.get("/settings/numbers/").content.decode()
    assert "s3cr3t-token" not in page  # secrets go in, never out
    assert f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/sms/" in page
    vonage = browser.post(
        "/settings/numbers/accounts",
        {"provider": "vonage", "account_ref": "abcd1234", "auth_token": "x"},
        follow=True,
    )
    assert b"signature secret" in vonage.content

    browser.post(
        "/settings/numbers/",
        {"number": "+1 202 555 0142", "shop": str(tenant_a.shop.id), "account": str(account.id)},
    )
    number = PhoneNumber.objects.get(tenant=tenant_a.tenant)
    assert number.number == "+12025550142" and number.active
    assert "+12025550142" in browser.get("/settings/numbers/").content.decode()
    browser.post(f"/settings/numbers/{number.id}/active", {"active": "false"})
    number.refresh_from_db()
    assert not number.active
    bad = browser.post(
        "/settings/numbers/",
        {"number": "12", "shop": str(tenant_a.shop.id), "account": str(account.id)},
    )
    assert bad.status_code == 200 and b"error" in bad.content


def test_the_widget_with_its_origins_appearance_and_snippet(tenant_a, page_as, settings):
    browser = page_as(Role.ADMIN)
    created = browser.post("/settings/widget/", {"shop": str(tenant_a.shop.id)})
    widget = Widget.objects.get(tenant=tenant_a.tenant)
    assert created["Location"] == f"/settings/widget/{widget.id}/"
    page = browser.get(created["Location"]).content.decode()
    assert f"{settings.PUBLIC_BASE_URL}/widget/{widget.public_key}.js" in page  # the snippet
    form = {
        "allowed_origins": "https://www.shop-a.example\nhttps://shop-a.example/",
        "greeting": "Hi!", "colour": "#112233", "text_colour": "#ffffff",
        "pre_chat_fields": ["name", "email"], "age_gate": "on", "active": "on",
    }  # fmt: skip
    browser.post(created["Location"], form)
    widget.refresh_from_db()
    assert widget.allowed_origins == ["https://shop-a.example", "https://www.shop-a.example"]
    assert (widget.colour, widget.pre_chat_fields, widget.active) == (
        "#112233",
        ["name", "email"],
        True,
    )
    wrong = browser.post(created["Location"], form | {"allowed_origins": "shop-a.example/page"})
    assert b"is not an origin" in wrong.content


def test_tenant_security_and_alerts(tenant_a, page_as):
    alert = SecurityAlertFactory(tenant=tenant_a.tenant)
    browser = page_as(Role.OWNER)
    page = browser.get("/settings/security/").content.decode()
    assert alert.summary in page
    browser.post("/settings/security/", {"require_2fa_for_all": "on"})
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.require_2fa_for_all
    # Now an agent without an authenticator must set one up before any page.
    agent = Client()
    agent.force_login(tenant_a.members[Role.AGENT].user)
    assert agent.get("/inbox/")["Location"].startswith("/login/enrol/")

    browser.post(f"/settings/security/alerts/{alert.id}/acknowledge")
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None
    assert alert.summary not in browser.get("/settings/security/").content.decode()
    assert alert.summary in browser.get("/settings/security/?alerts=all").content.decode()
    assert AuditEvent.objects.filter(action="tenant.security.updated").exists()


def test_settings_need_the_second_factor(tenant_a):
    half = Client()
    half.force_login(tenant_a.owner.user)  # password only
    authenticator_for(tenant_a.owner.user)
    assert half.get("/settings/members/")["Location"].startswith("/login/verify/")
    assert verified_client(tenant_a.owner.user).get("/settings/members/").status_code == 200
