"""The SMS admin API (owners and admins), the draft cost endpoint, and what the
inbox API shows of SMS conversations."""

import pytest

from audit.models import AuditEvent
from channels_sms.models import PhoneNumber, ProviderAccount
from channels_sms.tests.conftest import PHONE, TWILIO_NUMBER, fixture, twilio_webhook
from conversations.models import Conversation
from tenants.models import Role

pytestmark = pytest.mark.django_db

NUMBERS, ACCOUNTS, SEGMENTS = (
    "/api/v1/phone-numbers",
    "/api/v1/sms-accounts",
    "/api/v1/sms/segments",
)


@pytest.fixture
def owner(tenant_a):
    return tenant_a.client(Role.OWNER)


def _account(owner, **fields):
    body = {"provider": "twilio", "account_ref": "AC" + "5" * 32, "auth_token": "s3cret-token"}
    return owner.post(ACCOUNTS, body | fields, format="json")


def test_an_owner_connects_an_account_whose_secrets_never_come_back(owner, tenant_a):
    response = _account(owner, name="Main")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["has_auth_token"] is True and data["has_signature_secret"] is False
    assert "s3cret-token" not in response.content.decode()
    assert data["webhooks"] == {
        "inbound": "http://127.0.0.1:8000/webhooks/twilio/sms/",
        "status": "http://127.0.0.1:8000/webhooks/twilio/status/",
    }
    listed = owner.get(ACCOUNTS).content.decode()
    assert "s3cret-token" not in listed and data["id"] in listed
    stored = ProviderAccount.objects.filter(pk=data["id"]).values_list("auth_token", flat=True)
    assert b"s3cret-token" not in bytes(stored.get())
    audit = AuditEvent.objects.get(action="sms_account.created")
    assert audit.metadata == {"provider": "twilio"}


def test_a_vonage_account_needs_its_signature_secret(owner):
    response = _account(owner, provider="vonage", account_ref="abcd9999", auth_token="api-secret")
    assert response.status_code == 400
    assert "signature_secret" in response.json()["error"]["fields"]


def test_an_account_connected_twice_is_a_conflict(owner):
    assert _account(owner).status_code == 201
    assert _account(owner).json()["error"]["code"] == "account_exists"


def test_numbers_are_added_in_e164_listed_updated_and_deactivated(owner, tenant_a):
    account = _account(owner).json()["id"]
    created = owner.post(
        NUMBERS,
        {"shop": str(tenant_a.shop.id), "account": account, "number": "+1 (501) 712-2600"},
        format="json",
    )
    assert created.status_code == 201, created.content
    number = created.json()
    assert (number["number"], number["provider"], number["active"]) == (
        "+15017122600",
        "twilio",
        True,
    )
    assert [n["id"] for n in owner.get(NUMBERS).json()["results"]] == [number["id"]]

    path = f"{NUMBERS}/{number['id']}"
    updated = owner.patch(path, {"messaging_service_sid": "MG" + "2" * 32}, format="json")
    assert updated.json()["messaging_service_sid"] == "MG" + "2" * 32
    deactivated = owner.delete(path)
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False
    assert deactivated.json()["deactivated_at"] is not None
    assert PhoneNumber.objects.filter(pk=number["id"]).exists()  # history stays
    assert AuditEvent.objects.filter(action="phone_number.deactivated").count() == 1


def test_bad_numbers_and_services_are_explained(owner, tenant_a):
    account = _account(owner).json()["id"]
    body = {"shop": str(tenant_a.shop.id), "account": account}
    not_a_number = owner.post(NUMBERS, body | {"number": "hello"}, format="json")
    assert not_a_number.status_code == 400 and "number" in not_a_number.json()["error"]["fields"]
    bad_service = owner.post(
        NUMBERS, body | {"number": "+15017122600", "messaging_service_sid": "XX1"}, format="json"
    )
    assert "messaging_service_sid" in bad_service.json()["error"]["fields"]


def test_an_active_number_belongs_to_one_tenant(owner, tenant_a, tenant_b):
    account = _account(owner).json()["id"]
    body = {"shop": str(tenant_a.shop.id), "account": account, "number": "+15017122600"}
    assert owner.post(NUMBERS, body, format="json").status_code == 201
    other = tenant_b.client(Role.OWNER)
    other_account = _account(other, account_ref="AC" + "6" * 32).json()["id"]
    taken = other.post(
        NUMBERS,
        {"shop": str(tenant_b.shop.id), "account": other_account, "number": "+15017122600"},
        format="json",
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "number_taken"


def test_ids_in_the_body_are_looked_up_inside_the_tenant(owner, tenant_a, tenant_b):
    foreign_account = _account(tenant_b.client(Role.OWNER)).json()["id"]
    response = owner.post(
        NUMBERS,
        {"shop": str(tenant_a.shop.id), "account": foreign_account, "number": "+15017122600"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "account": ["Nothing with this id in this workspace."]
    }
    assert not PhoneNumber.objects.dangerously_unscoped(reason="a test").exists()


def test_platform_numbers_are_assigned_by_instaply_not_by_tenants(owner, tenant_a):
    platform = ProviderAccount.objects.create(
        tenant=tenant_a.tenant, provider="twilio", account_ref="AC" + "7" * 32, platform_owned=True
    )
    response = owner.post(
        NUMBERS,
        {"shop": str(tenant_a.shop.id), "account": str(platform.id), "number": "+15017122600"},
        format="json",
    )
    assert response.status_code == 403
    shown = owner.get(f"{ACCOUNTS}/{platform.id}").json()
    assert shown["platform_owned"] is True and shown["has_auth_token"] is True


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER, Role.PRIVACY])
def test_only_owners_and_admins_manage_numbers(tenant_a, role):
    client = tenant_a.client(role)
    assert client.get(NUMBERS).status_code == 403
    assert client.get(ACCOUNTS).status_code == 403


def test_an_admin_manages_numbers(tenant_a):
    admin = tenant_a.client(Role.ADMIN)
    assert admin.get(NUMBERS).status_code == 200
    assert _account(admin).status_code == 201


@pytest.mark.parametrize(
    ("body", "encoding", "segments"),
    [
        ("Your order is ready!", "GSM-7", 1),
        ("Récupéré à 18h, merci", "GSM-7", 1),  # é and à are in GSM-7
        ("Prêt à être récupéré", "UCS-2", 1),  # ê is not
        ("Your cake is ready 🎂", "UCS-2", 1),
        ("Ça coûte 12 € : à tout à l'heure", "UCS-2", 1),  # Ç is, ç and û are not
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("€" * 80, "GSM-7", 1),  # an extension character counts twice
        ("€" * 81, "GSM-7", 2),
        ("é" * 70, "GSM-7", 1),
        ("ç" * 70, "UCS-2", 1),
        ("ç" * 71, "UCS-2", 2),
        ("😀" * 35, "UCS-2", 1),  # 70 UTF-16 units
        ("😀" * 36, "UCS-2", 2),
    ],
)
def test_a_draft_reports_its_encoding_and_segments(tenant_a, body, encoding, segments):
    response = tenant_a.client(Role.VIEWER).post(SEGMENTS, {"body": body}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "encoding": encoding,
        "segments": segments,
        "characters": len(body),
        "max_segments": 10,
        "within_limit": True,
    }


def test_a_draft_over_ten_segments_is_flagged(tenant_a):
    response = tenant_a.client(Role.AGENT).post(SEGMENTS, {"body": "ç" * 671}, format="json")
    assert response.json()["segments"] == 11 and response.json()["within_limit"] is False


def test_the_inbox_shows_sms_opt_outs_and_refuses_replies_with_a_409(
    sms_a, tenant_a, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        twilio_webhook(client, "/webhooks/twilio/sms/", fixture("twilio_inbound.json"))
        stop = fixture("twilio_inbound.json") | {"Body": "STOP", "MessageSid": "SM" + "c" * 32}
        twilio_webhook(client, "/webhooks/twilio/sms/", stop)
    agent = tenant_a.client(Role.AGENT)
    [listed] = agent.get("/api/v1/conversations").json()["results"]
    assert listed["channel"] == "sms"
    assert listed["contact"]["display_name"] == PHONE
    assert listed["contact"]["opted_out_channels"] == ["sms"]
    thread = agent.get(f"/api/v1/conversations/{listed['id']}/messages").json()["results"]
    assert [m["body"] for m in thread] == ["STOP", "Hi! Is my order 4711 ready for pickup?"]

    refused = agent.post(
        f"/api/v1/conversations/{listed['id']}/messages", {"body": "Hello?"}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "opted_out"
    assert Conversation.objects.get().endpoint_id == sms_a.twilio_number.pk


def test_the_inbox_shows_mms_pictures_as_attachments(
    sms_a, tenant_a, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        twilio_webhook(client, "/webhooks/twilio/sms/", fixture("twilio_inbound_mms.json"))
    agent = tenant_a.client(Role.AGENT)
    [listed] = agent.get("/api/v1/conversations").json()["results"]
    [message] = agent.get(f"/api/v1/conversations/{listed['id']}/messages").json()["results"]
    assert [a["content_type"] for a in message["attachments"]] == ["image/jpeg", "video/mp4"]


def test_a_reply_over_ten_segments_is_a_clear_400(sms_a, tenant_a, client, settings):
    from conversations.services.contacts import contact_get_or_create

    contact, _ = contact_get_or_create(tenant_id=tenant_a.tenant.id, kind="phone", value=PHONE)
    conversation = Conversation.objects.create(
        tenant=tenant_a.tenant,
        shop=tenant_a.shop,
        contact=contact,
        channel="sms",
        endpoint_id=sms_a.twilio_number.pk,
    )
    response = tenant_a.client(Role.AGENT).post(
        f"/api/v1/conversations/{conversation.id}/messages", {"body": "é" * 1531}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_segments"
    assert TWILIO_NUMBER == sms_a.twilio_number.number


def test_the_admin_assigns_platform_numbers_only_within_one_tenant(sms_a, tenant_b):
    from channels_sms.admin import PhoneNumberForm

    platform = ProviderAccount.objects.create(
        tenant=sms_a.tenant, provider="twilio", account_ref="AC" + "7" * 32, platform_owned=True
    )
    fields = {"account": platform.pk, "number": "+1 501 712 2690", "active": True}
    mixed = PhoneNumberForm(data=fields | {"tenant": sms_a.tenant.pk, "shop": tenant_b.shop.pk})
    assert not mixed.is_valid() and "shop" in mixed.errors
    form = PhoneNumberForm(data=fields | {"tenant": sms_a.tenant.pk, "shop": sms_a.shop.pk})
    assert form.is_valid(), form.errors
    number = form.save()
    assert (number.number, number.provider) == ("+15017122690", "twilio")
