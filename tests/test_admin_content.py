"""The Django admin shows no personal content of tenants, and platform staff who
are not superusers cannot reach it (instaply/admin_site.py).

A superuser walks every page of every registered model (list, each row's page,
its history and its delete confirmation) over a database seeded with marker
strings as contact names, emails and numbers, message bodies, notes, previews,
provider secrets and webhook payloads (tests/test_no_plaintext_at_rest.py), and
none of them, nor the ciphertext that holds them, appears.
"""

import base64
import html
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from audit.models import AuditEvent, SecurityAlert
from audit.recorder import Actor, record
from instaply.ids import uuid7
from platform_staff.models import PlatformStaff
from privacy.fields import EncryptedJSONField, EncryptedTextField
from tenants.tests.factories import TEST_PASSWORD, UserFactory
from tests.test_no_plaintext_at_rest import SEARCHED, _seed
from web.tests.helpers import authenticator_for, current_code, verified_client

pytestmark = pytest.mark.django_db

ENCRYPTED = (EncryptedTextField, EncryptedJSONField)


def _registry():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _seed_every_registered_model(tenant_world, superuser):
    """A row for each registered model that the tenant seed does not make."""
    _seed(tenant_world.tenant)
    record("tenant.settings_change", tenant=tenant_world.tenant, actor=Actor.user(superuser))
    now = timezone.now()
    SecurityAlert.objects.create(
        tenant=tenant_world.tenant,
        rule=SecurityAlert.Rule.ACCESS_DENIALS,
        severity=SecurityAlert.Severity.MEDIUM,
        summary="Many denials",
        subject_kind="member",
        subject_key="k",
        dedup_key="k",
        window_seconds=300,
        event_count=10,
        first_event_at=now,
        last_event_at=now,
        last_event_id=uuid7(),
    )
    Group.objects.create(name="platform operators")
    StaticDevice.objects.create(user=superuser, name="backup codes", confirmed=True)
    # django-axes' attempts, through a real failed sign-in; its logs are off here
    # (the audit log records sign-ins), so those rows are made by hand.
    Client().post("/login/", {"username": tenant_world.owner.user.email, "password": "wrong"})
    from axes.models import AccessFailureLog, AccessLog

    for log in (AccessLog, AccessFailureLog):
        log.objects.create(ip_address="192.0.2.1", user_agent="test", path_info="/login/")


def _ciphertexts() -> list[bytes]:
    """Every encrypted value as stored, read straight from the tables."""
    stored = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, ENCRYPTED):
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(f"SELECT {connection.ops.quote_name(field.column)} FROM {table}")
                    stored += [bytes(value) for (value,) in cursor.fetchall() if value]
    assert len(stored) >= 5, "the seed stores encrypted values"
    return stored


def _leaks(page: str, ciphertexts: list[bytes]) -> list[str]:
    text = html.unescape(page)
    found = [name for name, marker in SEARCHED.items() if marker.lower() in text.lower()]
    for value in ciphertexts:
        for encoded in (
            value.hex(),
            base64.b64encode(value).decode(),
            base64.urlsafe_b64encode(value).decode(),
        ):
            if encoded in text:
                found.append(f"ciphertext {encoded[:16]}...")
    return found


def _pages_of(client, model) -> list[str]:
    """The list page, then each row's change, history and delete pages."""
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    answer = client.get(changelist)
    assert answer.status_code == 200, changelist
    rows = sorted(set(re.findall(rf'href="{re.escape(changelist)}([^/"]+)/change/', answer.text)))
    assert rows, f"seed a row of {model._meta.label} in this test: its pages go unchecked"
    pages = [(changelist, answer)]
    for pk in rows[:5]:
        for view in ("change", "history", "delete"):
            url = f"{changelist}{pk}/{view}/"
            answer = client.get(url)
            # A read-only admin refuses the delete page (403); each other page is served.
            assert answer.status_code in ((200, 403) if view == "delete" else (200,)), url
            pages.append((url, answer))
    return [(url, answer.content.decode()) for url, answer in pages]


def test_no_admin_page_shows_tenant_content(tenant_a):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    _seed_every_registered_model(tenant_a, superuser)
    client = verified_client(superuser)
    ciphertexts = _ciphertexts()
    walked = []
    for url in ("/admin/", *{f"/admin/{m._meta.app_label}/" for m, _ in _registry()}):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert _leaks(answer.content.decode(), ciphertexts) == [], url
    for model, _ in _registry():
        for url, page in _pages_of(client, model):
            assert _leaks(page, ciphertexts) == [], url
            walked.append(url)
    assert len(walked) > 4 * len(admin.site._registry) - 1


def test_no_registered_model_admin_shows_an_encrypted_field():
    """What the walk cannot seed, the declarations answer: an admin for a model
    with encrypted fields must leave them out of every list, form and search."""
    request = RequestFactory().get("/admin/")
    request.user = UserFactory.build(is_superuser=True, is_staff=True)
    for model, model_admin in _registry():
        encrypted = {f.name for f in model._meta.get_fields() if isinstance(f, ENCRYPTED)}
        shown = set(model_admin.get_list_display(request))
        shown |= set(flatten_fieldsets(model_admin.get_fieldsets(request)))
        shown |= set(model_admin.get_readonly_fields(request))
        shown |= {name.lstrip("=^@").split("__")[0] for name in model_admin.search_fields}
        assert not encrypted & shown, f"{model._meta.label} shows {sorted(encrypted & shown)}"


ADMIN_ADDRESSES = (
    "/admin/",
    "/admin/login/",
    "/admin/logout/",
    "/admin/password_change/",
    "/admin/jsi18n/",
    "/admin/audit/",
    "/admin/audit/auditevent/",
    "/admin/channels_sms/phonenumber/add/",
    "/admin/no/such/page/",
)


def _platform_person(**user_fields):
    user = UserFactory(**user_fields)
    PlatformStaff.objects.create(user=user, roles=["support", "security"], country="FR")
    return user


@pytest.mark.parametrize("address", ADMIN_ADDRESSES)
def test_a_platform_person_who_is_not_a_superuser_gets_404_everywhere(address):
    # is_staff is what Django's admin asks for; for a platform person it is not enough.
    client = verified_client(_platform_person(is_staff=True))
    assert client.get(address).status_code == 404
    assert client.post(address, {}).status_code == 404
    # Each attempt is on record, as anywhere else a platform person is refused.
    refusals = AuditEvent.objects.filter(action="platform.access_denied")
    assert refusals.count() == 2
    assert {e.metadata["reason"] for e in refusals} == {"admin"}


def test_a_deactivated_platform_person_gets_404_even_as_a_superuser():
    user = _platform_person(is_staff=True, is_superuser=True)
    PlatformStaff.objects.filter(user=user).update(deactivated_at=timezone.now())
    assert verified_client(user).get("/admin/").status_code == 404


def test_a_platform_superuser_reaches_the_admin():
    client = verified_client(_platform_person(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/audit/auditevent/").status_code == 200


def test_the_admin_sign_in_refuses_a_platform_person_who_is_not_a_superuser():
    user = _platform_person(is_staff=True)
    client = Client()
    answer = client.post(
        "/admin/login/",
        {
            "username": user.email,
            "password": TEST_PASSWORD,
            "otp_device": authenticator_for(user).persistent_id,
            "otp_token": current_code(authenticator_for(user)),
        },
    )
    assert answer.status_code == 200  # the form again, with the error anyone refused gets
    assert "correct email and password for a staff account" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_admits_a_platform_superuser():
    user = _platform_person(is_staff=True, is_superuser=True)
    client = Client()
    answer = client.post(
        "/admin/login/",
        {
            "username": user.email,
            "password": TEST_PASSWORD,
            "otp_device": authenticator_for(user).persistent_id,
            "otp_token": current_code(authenticator_for(user)),
        },
    )
    assert answer.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_others_meet_djangos_rules_unchanged(tenant_a):
    # A tenant's member is sent to the admin's sign-in, which does not admit them.
    member = verified_client(tenant_a.owner.user)
    answer = member.get("/admin/")
    assert answer.status_code == 302 and answer["Location"].startswith("/admin/login/")
    assert Client().get("/admin/").status_code == 302


def test_second_factor_secrets_and_sign_in_form_data_are_not_in_the_admin():
    """A TOTP device's page shows its secret, a static device's its recovery codes,
    and django-axes' attempts the typed email: none of them is registered."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice, AccessAttempt, AccessLog, AccessFailureLog):
        assert not admin.site.is_registered(model), model
