"""Two-factor sign-in: who must use it, the code step, enrolment, recovery codes."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from tenants.models import Role
from web import two_factor
from web.models import Authenticator
from web.tests.helpers import authenticator_for, current_code, sign_in, wrong_code

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _events(action: str):
    return AuditEvent.objects.filter(action=action).order_by("created_at")


def _secret_from(page: str) -> bytes:
    from base64 import b32decode

    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1)
    return b32decode(secret.replace(" ", ""))


def _code_for(key: bytes) -> str:
    from django_otp.oath import totp

    return f"{totp(key):06d}"


def _recovery_codes(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)


def test_an_agent_signs_in_with_the_password_alone(tenant_a):
    browser = Client()
    response = sign_in(browser, tenant_a.members[Role.AGENT].user)
    assert response.status_code == 302 and response["Location"] == "/"
    assert browser.get("/").status_code == 200
    assert browser.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.PRIVACY])
def test_privileged_roles_without_an_authenticator_must_enrol(tenant_a, role):
    browser = Client()
    response = sign_in(browser, tenant_a.members[role].user)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/enrol/")
    # Nothing that needs a membership is reachable yet, page or API.
    assert browser.get("/")["Location"].startswith("/login/enrol/?next=")
    refused = browser.get("/api/v1/me")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "two_factor_required"
    assert browser.post("/api/v1/tokens", {"name": "x"}).status_code == 403


def test_forced_enrolment_shows_a_qr_code_and_gives_recovery_codes_once(tenant_a, clock):
    owner = tenant_a.owner.user
    browser = Client()
    sign_in(browser, owner)
    page = browser.get("/login/enrol/?next=/members")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'class="segno"' in html  # drawn on the server
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    key = _secret_from(html)
    # A reload keeps the secret, so a code already scanned stays good.
    assert _secret_from(browser.get("/login/enrol/").content.decode()) == key

    pending = TOTPDevice.objects.get(user=owner, confirmed=False)
    wrong = browser.post("/login/enrol/", {"code": wrong_code(pending), "next": "/members"})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    assert _events("auth.2fa.failed").last().metadata["purpose"] == "enrol"

    before = browser.session.session_key  # right after the typo: no back-off
    done = browser.post("/login/enrol/", {"code": _code_for(key), "next": "/members"})
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"]
    codes = _recovery_codes(done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert browser.session.session_key != before
    assert browser.get("/").status_code == 200
    assert browser.get("/api/v1/me").status_code == 200
    assert TOTPDevice.objects.get(user=owner).confirmed
    enrolled = _events("auth.2fa.enrolled").get()
    assert enrolled.target_id == str(owner.pk)


def test_the_code_step_accepts_a_right_code_once_and_refuses_a_wrong_one(tenant_a, clock):
    owner = tenant_a.owner.user
    device = authenticator_for(owner)
    browser = Client()
    response = sign_in(browser, owner)
    assert response["Location"] == "/login/verify/?next=%2F"
    assert browser.get("/api/v1/me").json()["error"]["code"] == "two_factor_required"
    assert browser.get("/")["Location"].startswith("/login/verify/")

    wrong = browser.post("/login/verify/", {"code": wrong_code(device), "next": "/"})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    failed = _events("auth.2fa.failed").get()
    assert failed.outcome == "failure" and failed.target_id == str(owner.pk)
    assert browser.get("/").status_code == 302

    clock.shift(2)
    code = current_code(device)
    before = browser.session.session_key
    ok = browser.post("/login/verify/", {"code": code, "next": "/"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert browser.session.session_key != before  # rotated after the second factor too
    assert browser.get("/").status_code == 200
    assert _events("auth.2fa.succeeded").get().metadata == {"method": "totp"}

    # The same code, seconds later in another browser: refused.
    clock.shift(2)
    other = Client()
    sign_in(other, owner)
    replay = other.post("/login/verify/", {"code": code, "next": "/"})
    assert replay.status_code == 200
    assert other.get("/api/v1/me").status_code == 403


def test_the_right_code_just_after_one_mistake_signs_in(tenant_a, clock):
    owner = tenant_a.owner.user
    device = authenticator_for(owner)
    browser = Client()
    sign_in(browser, owner)
    typo = browser.post("/login/verify/", {"code": wrong_code(device), "next": "/"})
    assert typo.status_code == 200
    assert "not valid" in typo.content.decode() and "Wait" not in typo.content.decode()
    # At the very same instant (the clock is frozen): no back-off after one typo.
    right = browser.post("/login/verify/", {"code": current_code(device), "next": "/"})
    assert right.status_code == 302 and right["Location"] == "/"


def test_a_recovery_code_just_after_a_mistyped_one_signs_in(tenant_a, clock):
    owner = tenant_a.owner.user
    authenticator_for(owner)
    codes = two_factor._recovery_codes_replace(owner)
    browser = Client()
    sign_in(browser, owner)
    assert browser.post("/login/verify/", {"recovery_code": "aaaa-aaaa"}).status_code == 200
    assert browser.post("/login/verify/", {"recovery_code": codes[0]}).status_code == 302


def test_repeated_wrong_codes_are_throttled(tenant_a, clock):
    owner = tenant_a.owner.user
    device = authenticator_for(owner)
    browser = Client()
    sign_in(browser, owner)
    first = browser.post("/login/verify/", {"code": wrong_code(device)}).content.decode()
    assert "not valid" in first and "Wait" not in first
    # The second wrong code in a row starts django-otp's back-off, and says so.
    second = browser.post("/login/verify/", {"code": wrong_code(device)}).content.decode()
    assert "This code is not valid. Wait 2 seconds before the next try." in second
    # During the back-off even the right code is refused, with how long to wait.
    refused = browser.post("/login/verify/", {"code": current_code(device)})
    assert refused.status_code == 200
    assert "Too many wrong codes. Wait 2 seconds, then try again." in refused.content.decode()
    throttled = [e.metadata["throttled"] for e in _events("auth.2fa.failed")]
    assert throttled == [False, False, True]
    clock.shift(2)
    browser.post("/login/verify/", {"code": wrong_code(device)})  # the third: 4 seconds
    clock.shift(3)
    assert "Wait 1 second," in browser.post("/login/verify/", {"code": "000000"}).content.decode()
    clock.shift(1)
    assert browser.post("/login/verify/", {"code": current_code(device)}).status_code == 302
    # A right code clears the count: the next typo is forgiven again.
    assert Authenticator.objects.get(pk=device.pk).throttling_failure_count == 0


def test_a_recovery_code_works_once(tenant_a, clock):
    owner = tenant_a.owner.user
    authenticator_for(owner)
    codes = two_factor._recovery_codes_replace(owner)
    browser = Client()
    sign_in(browser, owner)
    used = browser.post("/login/verify/", {"recovery_code": codes[0].upper()})
    assert used.status_code == 302
    assert browser.get("/").status_code == 200
    event = _events("auth.recovery_code.used").get()
    assert event.metadata["remaining"] == 9
    assert _events("auth.2fa.succeeded").get().metadata == {"method": "recovery_code"}

    again = Client()
    sign_in(again, owner)
    assert again.post("/login/verify/", {"recovery_code": codes[0]}).status_code == 200
    assert again.get("/api/v1/me").status_code == 403
    assert StaticToken.objects.filter(device__user=owner).count() == 9


def test_an_agent_with_an_authenticator_also_verifies(tenant_a, clock):
    agent = tenant_a.members[Role.AGENT].user
    device = authenticator_for(agent)
    browser = Client()
    assert sign_in(browser, agent)["Location"].startswith("/login/verify/")
    assert browser.post("/login/verify/", {"code": current_code(device)}).status_code == 302
    assert browser.get("/").status_code == 200


def test_bearer_tokens_are_not_asked_for_a_second_factor(tenant_a):
    authenticator_for(tenant_a.owner.user)
    api = tenant_a.client(Role.OWNER)
    assert api.get("/api/v1/me").status_code == 200
    assert api.post("/api/v1/tokens", {"name": "ci"}, format="json").status_code == 201


def test_the_tenant_setting_makes_an_agent_enrol(tenant_a, tenant_b):
    agent = tenant_a.members[Role.AGENT].user
    response = tenant_a.client(Role.ADMIN).patch(
        "/api/v1/tenant/security", {"require_2fa_for_all": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["require_2fa_for_all"] is True
    browser = Client()
    assert sign_in(browser, agent)["Location"].startswith("/login/enrol/")
    assert browser.get("/api/v1/me").status_code == 403
    # Tenant B did not change: its agent still signs in with a password.
    other = Client()
    assert sign_in(other, tenant_b.members[Role.AGENT].user)["Location"] == "/"


def test_the_security_page_changes_need_a_fresh_code(tenant_a, clock):
    agent = tenant_a.members[Role.AGENT].user
    device = authenticator_for(agent)
    two_factor._recovery_codes_replace(agent)
    browser = Client()
    sign_in(browser, agent)
    browser.post("/login/verify/", {"code": current_code(device)})
    page = browser.get("/account/security/")
    assert page.status_code == 200 and "10 recovery codes left" in page.content.decode()

    clock.shift(30)
    refused = browser.post(
        "/account/security/", {"action": "recovery_codes", "code": wrong_code(device)}
    )
    assert refused.status_code == 200 and "not valid" in refused.content.decode()

    clock.shift(30)
    fresh = browser.post(
        "/account/security/", {"action": "recovery_codes", "code": current_code(device)}
    )
    assert fresh.status_code == 200 and len(_recovery_codes(fresh.content.decode())) == 10
    assert _events("auth.2fa.recovery_codes_regenerated").count() == 1

    clock.shift(30)
    off = browser.post("/account/security/", {"action": "disable", "code": current_code(device)})
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert _events("auth.2fa.disabled").get().target_id == str(agent.pk)
    # Not required for an agent: the session carries on without a second factor.
    assert browser.get("/").status_code == 200


def test_an_owner_cannot_turn_two_factor_off(tenant_a, clock):
    owner = tenant_a.owner.user
    device = authenticator_for(owner)
    browser = Client()
    sign_in(browser, owner)
    browser.post("/login/verify/", {"code": current_code(device)})
    assert "Turn off" not in browser.get("/account/security/").content.decode()
    clock.shift(30)
    refused = browser.post(
        "/account/security/", {"action": "disable", "code": current_code(device)}
    )
    assert refused.status_code == 200 and "requires" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=owner, confirmed=True).exists()


def test_replacing_an_authenticator_needs_a_code_of_the_current_one(tenant_a, clock):
    owner = tenant_a.owner.user
    old = authenticator_for(owner)
    browser = Client()
    sign_in(browser, owner)
    browser.post("/login/verify/", {"code": current_code(old)})
    page = browser.get("/login/enrol/").content.decode()
    new_key = _secret_from(page)
    clock.shift(30)
    refused = browser.post("/login/enrol/", {"code": _code_for(new_key), "current_code": "1"})
    assert refused.status_code == 200
    assert TOTPDevice.objects.get(user=owner, confirmed=True).pk == old.pk

    clock.shift(30)
    replaced = browser.post(
        "/login/enrol/", {"code": _code_for(new_key), "current_code": current_code(old)}
    )
    assert replaced.status_code == 200 and len(_recovery_codes(replaced.content.decode())) == 10
    remaining = TOTPDevice.objects.get(user=owner)
    assert remaining.pk != old.pk and remaining.bin_key == new_key


def test_a_session_with_a_device_cannot_enrol_another_without_verifying(tenant_a):
    owner = tenant_a.owner.user
    authenticator_for(owner)
    browser = Client()
    sign_in(browser, owner)  # password only
    response = browser.get("/login/enrol/")
    assert response.status_code == 302 and response["Location"].startswith("/login/verify/")


def test_sign_ins_are_audited_with_roles_for_owners(tenant_a, tenant_b):
    from tenants.tests.factories import MembershipFactory

    owner = tenant_a.owner.user
    MembershipFactory(tenant=tenant_b.tenant, user=owner, role=Role.AGENT)
    viewer = tenant_a.members[Role.VIEWER].user
    sign_in(Client(), owner)
    sign_in(Client(), viewer)
    owner_event = _events("auth.login.succeeded").get(actor_id=str(owner.pk))
    viewer_event = _events("auth.login.succeeded").get(actor_id=str(viewer.pk))
    assert owner_event.actor_id == str(owner.pk)
    assert owner_event.metadata == {"tenants": 2, "roles": ["agent", "owner"]}
    assert viewer_event.metadata == {"tenants": 1}


def test_a_failed_sign_in_is_audited_without_the_typed_email(tenant_a):
    agent = tenant_a.members[Role.AGENT].user
    sign_in(Client(), agent, password="wrong password")
    Client().post("/login/", {"username": "Nobody@Example.com", "password": "x"})
    known = _events("auth.login.failed").get(target_id=str(agent.pk))
    unknown = _events("auth.login.failed").get(target_id="")
    assert known.outcome == "failure" and known.target_id == str(agent.pk)
    assert unknown.target_id == ""
    for event in (known, unknown):
        assert event.actor_kind == "anonymous"
        assert "@" not in str(event.metadata)
        assert re.fullmatch(r"[0-9a-f]{64}", event.metadata["account_hash"])
    from web.login_security import account_hash

    assert unknown.metadata["account_hash"] == account_hash(" nobody@example.com")


def test_sign_out_is_audited(tenant_a):
    browser = Client()
    sign_in(browser, tenant_a.members[Role.AGENT].user)
    browser.post("/logout/")
    event = _events("auth.logout").get()
    assert event.metadata == {"reason": "user"}
    assert event.actor_id == str(tenant_a.members[Role.AGENT].user.pk)
