"""The console's sign-in: a password, then always a second factor; the same
lockouts as the tenants' sign-in; every sign-in audited; nothing confirms that
an account exists to someone who is not platform staff."""

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from platform_staff.console import PLATFORM_SESSION_KEY
from platform_staff.services.staff import platform_staff_deactivate
from platform_staff.tests.console_helpers import (
    console_client,
    console_sign_in,
    make_platform_person,
)
from tenants.access import two_factor_required
from tenants.models import Role
from tenants.tests.factories import TEST_PASSWORD
from web.tests.helpers import authenticator_for, current_code, sign_in, wrong_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(db):
    return make_platform_person(("dpo",))


def test_password_then_code_opens_the_console(dpo):
    device = authenticator_for(dpo.user)
    client = Client()
    answer = console_sign_in(client, dpo.user.email)
    assert answer.status_code == 302
    assert answer["Location"] == "/platform/login/verify/?next=%2Fplatform%2F"
    # A password alone opens no console page.
    assert PLATFORM_SESSION_KEY not in client.session
    assert client.get("/platform/").status_code == 302
    assert client.get("/platform/tenants/")["Location"].startswith("/platform/login/")
    before = client.session.session_key
    verified = client.post(
        "/platform/login/verify/?next=/platform/", {"code": current_code(device)}
    )
    assert verified.status_code == 302 and verified["Location"] == "/platform/"
    assert client.session[PLATFORM_SESSION_KEY] is True
    assert client.session.session_key != before  # a new key once the factor passed
    assert client.get("/platform/").status_code == 200


def test_a_wrong_code_opens_nothing(dpo):
    device = authenticator_for(dpo.user)
    client = Client()
    console_sign_in(client, dpo.user.email)
    answer = client.post("/platform/login/verify/", {"code": wrong_code(device)})
    assert answer.status_code == 200
    assert "not valid" in answer.content.decode()
    assert PLATFORM_SESSION_KEY not in client.session
    assert client.get("/platform/").status_code == 302


def test_a_person_without_an_authenticator_must_set_one_up(dpo):
    client = Client()
    console_sign_in(client, dpo.user.email)
    step = client.get("/platform/login/verify/")
    assert step.status_code == 302 and step["Location"].startswith("/platform/login/enrol/")
    page = client.get(step["Location"])
    assert page.status_code == 200 and "<svg" in page.content.decode()
    # No way around it: the console still sends back to sign-in.
    assert client.get("/platform/").status_code == 302
    pending = TOTPDevice.objects.get(user=dpo.user, confirmed=False)
    codes = client.post("/platform/login/enrol/", {"code": current_code(pending)})
    assert codes.status_code == 200 and "no-store" in codes["Cache-Control"]
    assert len(codes.context["codes"]) == 10
    assert client.get("/platform/").status_code == 200


def test_platform_staff_always_need_a_second_factor_on_the_tenant_side_too(dpo, tenant_a):
    assert two_factor_required(dpo.user)
    assert not two_factor_required(tenant_a.members[Role.AGENT].user)


def test_each_console_sign_in_is_audited(dpo):
    device = authenticator_for(dpo.user)
    client = Client()
    console_sign_in(client, dpo.user.email)
    client.post("/platform/login/verify/", {"code": current_code(device)})
    login = AuditEvent.objects.get(action="auth.login.succeeded")
    assert login.metadata["platform"] is True
    signed_in = AuditEvent.objects.get(action="platform.signed_in")
    assert signed_in.actor_kind == "platform_staff"
    assert signed_in.actor_id == str(dpo.user.pk)
    assert signed_in.metadata == {
        "roles": ["dpo"],
        "country": "FR",
        "transfer": False,
        "method": "totp",
    }


def _answer_text(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_someone_who_is_not_platform_staff_gets_the_answer_of_a_wrong_password(tenant_a, dpo):
    member = tenant_a.members[Role.AGENT].user
    right_password = console_sign_in(Client(), member.email)
    wrong_password = console_sign_in(Client(), dpo.user.email, "not the password")
    nobody = console_sign_in(Client(), "nobody@nowhere.test")
    assert right_password.status_code == wrong_password.status_code == nobody.status_code == 200

    def same(response) -> str:
        text = _answer_text(response)
        for typed in (member.email, dpo.user.email, "nobody@nowhere.test"):
            text = text.replace(f'value="{typed}"', 'value=""')
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert same(right_password) == same(wrong_password) == same(nobody)
    assert "Please enter a correct" in same(right_password)
    # It is counted and audited as a failure, and no session is opened.
    failed = AuditEvent.objects.filter(action="auth.login.failed", target_id=str(member.pk))
    assert failed.count() == 1
    assert not AuditEvent.objects.filter(action="auth.login.succeeded").exists()
    assert AccessAttempt.objects.count() == 3


def test_a_tenant_member_signed_in_is_not_let_into_the_console(tenant_a):
    client = Client()
    sign_in(client, tenant_a.members[Role.AGENT].user)
    assert client.get("/").status_code == 200
    assert client.get("/platform/").status_code == 404
    assert client.get("/platform/login/verify/").status_code == 404
    assert client.get("/platform/login/enrol/").status_code == 404


def test_the_console_sign_in_locks_out_like_the_tenants_one(dpo, settings):
    ip = "203.0.113.9"
    answers = [
        console_sign_in(Client(), dpo.user.email, "wrong", REMOTE_ADDR=ip)
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers[-1].status_code == 429
    locked = console_sign_in(Client(), dpo.user.email, REMOTE_ADDR=ip)  # the right password
    assert locked.status_code == 429
    assert 'action="/platform/login/"' in locked.content.decode()
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert AuditEvent.objects.filter(action="auth.login.locked_out").exists()


def test_a_platform_person_at_the_tenants_sign_in_goes_to_the_console(dpo):
    authenticator_for(dpo.user)
    client = Client()
    answer = sign_in(client, dpo.user)
    assert answer.status_code == 302
    assert answer["Location"] == "/platform/login/verify/?next=%2Fplatform%2F"
    # They have no workspace: a member page is the 404 every tenant route gives them.
    assert client.get("/inbox/").status_code == 404


def test_next_stays_inside_the_console(dpo):
    device = authenticator_for(dpo.user)
    client = Client()
    answer = client.post(
        "/platform/login/",
        {"username": dpo.user.email, "password": TEST_PASSWORD, "next": "https://evil.test/"},
    )
    assert answer["Location"] == "/platform/login/verify/?next=%2Fplatform%2F"
    answer = client.post(
        "/platform/login/verify/?next=https://evil.test/", {"code": current_code(device)}
    )
    assert answer["Location"] == "/platform/"


def test_signing_out_of_the_console(dpo):
    device = authenticator_for(dpo.user)
    client = Client()
    console_sign_in(client, dpo.user.email)
    client.post("/platform/login/verify/", {"code": current_code(device)})
    answer = client.post("/platform/logout/")
    assert answer.status_code == 302 and answer["Location"] == "/platform/login/"
    assert client.get("/platform/").status_code == 302


def test_a_deactivated_person_cannot_sign_in_and_loses_an_open_session(dpo):
    client = console_client(dpo)
    assert client.get("/platform/").status_code == 200
    platform_staff_deactivate(staff=dpo)
    assert client.get("/platform/").status_code == 404
    again = Client()
    refused = console_sign_in(again, dpo.user.email)
    assert refused.status_code == 200 and "_auth_user_id" not in again.session
