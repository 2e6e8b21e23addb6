"""Making platform people: roles and country checked, outsiders to every tenant."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from audit.models import AuditEvent
from instaply.errors import Conflict, Invalid
from platform_staff.models import PlatformStaff
from platform_staff.services.staff import (
    platform_staff_change,
    platform_staff_create,
    platform_staff_deactivate,
)
from platform_staff.tests.console_helpers import make_platform_person
from tenants.models import Membership, Role, User
from tenants.tests.factories import TEST_PASSWORD
from web.tests.helpers import current_code

pytestmark = pytest.mark.django_db


def _create(*args) -> str:
    out = StringIO()
    call_command("create_platform_staff", *args, stdout=out)
    return out.getvalue()


def test_a_new_person_has_no_password_and_no_admin_and_is_audited():
    staff = platform_staff_create(
        email=" Ana@Platform.Test ", roles=["dpo", "support", "dpo"], country="de"
    )
    assert staff.roles == ["dpo", "support"] and staff.country == "DE" and not staff.transfer
    user = staff.user
    assert user.email == "ana@platform.test"
    assert not user.has_usable_password() and not user.is_staff
    event = AuditEvent.objects.get(action="platform.staff_created")
    assert event.target_id == str(staff.pk)
    assert event.metadata == {"roles": ["dpo", "support"], "country": "DE", "transfer": False}


@pytest.mark.parametrize("roles", [[], [""], ["boss"], ["support", "root"]])
def test_roles_must_be_platform_roles(roles):
    with pytest.raises(Invalid):
        platform_staff_create(email="a@platform.test", roles=roles, country="FR")
    assert not User.objects.filter(email="a@platform.test").exists()


@pytest.mark.parametrize("country", ["", "XX", "FRA", "001", "eu"])
def test_the_country_must_be_an_iso_code(country):
    with pytest.raises(Invalid):
        platform_staff_create(email="a@platform.test", roles=["dpo"], country=country)


def test_a_tenant_member_never_becomes_platform_staff(tenant_a):
    member = tenant_a.members[Role.VIEWER]
    with pytest.raises(Conflict, match="belongs to a workspace"):
        platform_staff_create(email=member.user.email, roles=["support"], country="FR")
    # A revoked membership still counts: the account was a tenant's.
    member.revoked_at = "2026-01-01T00:00:00Z"
    member.save(update_fields=["revoked_at"])
    with pytest.raises(Conflict):
        platform_staff_create(email=member.user.email, roles=["support"], country="FR")
    assert not PlatformStaff.objects.exists()


def test_a_platform_person_is_made_once():
    platform_staff_create(email="a@platform.test", roles=["dpo"], country="FR")
    with pytest.raises(Conflict, match="already platform staff"):
        platform_staff_create(email="A@platform.test", roles=["support"], country="FR")


def test_roles_change_and_deactivation_are_audited():
    staff = make_platform_person(("support",))
    platform_staff_change(staff=staff, roles=["support", "security"], country="us")
    staff.refresh_from_db()
    assert staff.roles == ["security", "support"] and staff.country == "US" and staff.transfer
    platform_staff_deactivate(staff=staff)
    platform_staff_deactivate(staff=staff)  # twice is once
    staff.refresh_from_db()
    assert not staff.is_active and not staff.has_role("support")
    assert AuditEvent.objects.filter(action="platform.staff_changed").count() == 1
    assert AuditEvent.objects.filter(action="platform.staff_deactivated").count() == 1


def test_a_platform_person_cannot_accept_a_tenant_invitation(
    tenant_a, django_capture_on_commit_callbacks
):
    staff = make_platform_person(("support",))
    with django_capture_on_commit_callbacks(execute=True):
        tenant_a.client(Role.ADMIN).post(
            "/api/v1/invitations", {"email": staff.user.email, "role": "agent"}, format="json"
        )
    slug, token = re.search(r"/invite/([\w-]+)/(inv_[\w-]+)/", mail.outbox[-1].body).groups()
    answer = APIClient().post(
        "/api/v1/invitations/accept",
        {"tenant": slug, "token": token, "password": TEST_PASSWORD},
        format="json",
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "platform_staff"
    assert not Membership.objects.for_tenant(tenant_a.tenant).filter(user=staff.user).exists()


# The command ------------------------------------------------------------------


def test_the_command_creates_and_prints_a_one_time_link():
    out = _create("--email", "sam@platform.test", "--roles", "support,dpo", "--country", "us")
    staff = PlatformStaff.objects.get(user__email="sam@platform.test")
    assert staff.roles == ["dpo", "support"] and staff.country == "US"
    assert "outside the EU" in out
    assert re.search(r"http://\S+/platform/enrol/[\w-]+/[\w-]+/", out)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--roles", "boss", "--country", "FR"], "platform role"),
        (["--roles", "", "--country", "FR"], "platform role"),
        (["--roles", "dpo", "--country", "XX"], "ISO 3166-1"),
    ],
)
def test_the_command_refuses_bad_roles_and_countries(args, message):
    with pytest.raises(CommandError, match=message):
        _create("--email", "x@platform.test", *args)
    assert not User.objects.filter(email="x@platform.test").exists()


def test_the_command_refuses_a_tenant_member(tenant_a):
    email = tenant_a.members[Role.AGENT].user.email
    with pytest.raises(CommandError, match="belongs to a workspace"):
        _create("--email", email, "--roles", "support", "--country", "FR")


def _enrol(client, link):
    page = client.get(link)
    assert page.status_code == 302 and page["Location"].endswith("/set-password/")
    return client.post(
        page["Location"],
        {
            "new_password1": "a sturdy console passphrase",
            "new_password2": "a sturdy console passphrase",
        },
    )


def test_the_enrolment_link_sets_a_password_forces_an_authenticator_and_works_once():
    out = _create("--email", "sam@platform.test", "--roles", "security", "--country", "FR")
    link = re.search(r"/platform/enrol/[\w-]+/[\w-]+/", out)[0]
    client = Client()
    weak = client.get(link)
    weak = client.post(weak["Location"], {"new_password1": "12345", "new_password2": "12345"})
    assert weak.status_code == 200 and weak.context["form"].errors
    saved = _enrol(client, link)
    assert saved.status_code == 302 and saved["Location"] == "/platform/login/enrol/"
    user = User.objects.get(email="sam@platform.test")
    assert user.check_password("a sturdy console passphrase")
    assert AuditEvent.objects.filter(action="platform.staff_enrolled").exists()
    # The password alone opens nothing: an authenticator comes first.
    assert client.get("/platform/")["Location"].startswith("/platform/login/")
    client.get("/platform/login/enrol/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/platform/login/enrol/", {"code": current_code(device)}).status_code == 200
    assert client.get("/platform/").status_code == 200
    # The link died with the password.
    again = Client().get(link)
    assert again.status_code == 200 and not again.context["validlink"]
    assert "invalid, used or expired" in again.content.decode()
    with pytest.raises(CommandError, match="already enrolled"):
        _create("--email", "sam@platform.test", "--new-link")


def test_a_new_link_replaces_an_unused_one():
    _create("--email", "sam@platform.test", "--roles", "dpo", "--country", "FR")
    out = _create("--email", "sam@platform.test", "--new-link")
    link = re.search(r"/platform/enrol/[\w-]+/[\w-]+/", out)[0]
    assert _enrol(Client(), link)["Location"] == "/platform/login/enrol/"


def test_an_enrolment_link_is_not_a_password_reset_link_for_tenant_staff(tenant_a):
    from platform_staff.enrolment import enrolment_link

    member = tenant_a.members[Role.AGENT].user
    link = enrolment_link(member).split("127.0.0.1:8000")[-1]
    link = re.search(r"/platform/enrol/[\w-]+/[\w-]+/", link)[0]
    answer = Client().get(link)
    assert answer.status_code == 200 and not answer.context["validlink"]
