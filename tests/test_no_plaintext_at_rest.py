"""Personal data never lies in clear in any column of any table, nor in the logs.

Distinct marker strings go in as names, emails, phone numbers, social ids,
message bodies, attachments and notes; then every text, binary and JSON column
of every table is read straight from the database and searched for them.
"""

import logging

import pytest
from django.db import connection

from conversations.models import ContactIdentifier, Note
from conversations.tests.factories import ContactFactory, ConversationFactory, MessageFactory
from privacy.blind_index import blind_index

pytestmark = pytest.mark.django_db

MARKERS = {
    "name": "Zorblax Quintavius",
    "email": "zorblax.quintavius@markers.example",
    "phone": "+33698765432",
    "social": "@zorblax_marker_handle",
    "body": "MARKER-BODY-the-cake-is-a-lie",
    "attachment": "https://media.example/MARKER-ATTACHMENT.jpg",
    "note": "MARKER-NOTE-vip-customer",
    "contact_notes": "MARKER-CONTACT-NOTES-prefers-mornings",
    "preview": "MARKER-PREVIEW-text",
    "provider_secret": "MARKER-SECRET-provider-auth-token",
    "file_name": "MARKER-FILE-NAME-passport.png",
    "file_content": "MARKER-FILE-CONTENT-passport-number",
}


def _seed(tenant):
    contact = ContactFactory(
        tenant=tenant,
        name=MARKERS["name"],
        email=MARKERS["email"],
        phone=MARKERS["phone"],
        social_ids={"instagram": MARKERS["social"]},
        notes=MARKERS["contact_notes"],
    )
    for kind, value in (("phone", MARKERS["phone"]), ("email", MARKERS["email"])):
        ContactIdentifier.objects.create(
            tenant=tenant,
            contact=contact,
            kind=kind,
            blind_index=blind_index(tenant.id, kind, value),
        )
    conversation = ConversationFactory(
        tenant=tenant, contact=contact, last_message_preview=MARKERS["preview"]
    )
    message = MessageFactory(
        conversation=conversation,
        body=MARKERS["body"],
        attachments=[{"url": MARKERS["attachment"], "content_type": "image/jpeg"}],
    )
    _seed_file(message)
    Note.objects.create(
        tenant=tenant, conversation=conversation, contact=contact, body=MARKERS["note"]
    )
    _seed_sms(tenant)


def _seed_file(message):
    """A file of the message (attachments/): its name and its bytes carry markers
    (a PNG text chunk), and its thumbnail is made."""
    import io

    from PIL import Image, PngImagePlugin

    from attachments.services import attachment_store, thumbnail_make

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", MARKERS["file_content"])
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (250, 0, 0)).save(out, format="PNG", pnginfo=info)
    attachment = attachment_store(
        message=message, data=out.getvalue(), name=MARKERS["file_name"], source="widget"
    )
    thumbnail_make(attachment_id=attachment.pk)


def _every_stored_file(folder):
    for path in folder.rglob("*"):
        if path.is_file():
            yield path, path.read_bytes()


def _seed_sms(tenant):
    """The SMS path: provider secrets, a processed inbound MMS, a webhook still
    pending, one part of a long Vonage text, and a platform number's webhook."""
    from channels_sms.models import (
        ConcatenatedParts,
        PhoneNumber,
        ProviderAccount,
        UnroutedDelivery,
        WebhookDelivery,
    )
    from channels_sms.providers.base import Credentials
    from channels_sms.services.deliveries import Route, delivery_record
    from channels_sms.services.inbound import delivery_process
    from conversations.models import Message
    from tenants.models import Shop

    shop = Shop.objects.for_tenant(tenant).first()
    accounts, numbers = {}, {}
    for provider, e164 in (("twilio", "+15017122621"), ("vonage", "+447700900621")):
        accounts[provider] = ProviderAccount.objects.create(
            tenant=tenant,
            provider=provider,
            account_ref="AC" + "8" * 32 if provider == "twilio" else "markerk1",
            auth_token=MARKERS["provider_secret"],
            signature_secret=MARKERS["provider_secret"],
        )
        numbers[provider] = PhoneNumber.objects.create(
            tenant=tenant, shop=shop, account=accounts[provider], provider=provider, number=e164
        )
    twilio = Route("twilio", Credentials("AC" + "8" * 32, "t"), tenant.id, numbers["twilio"])
    vonage = Route("vonage", Credentials("markerk1", "t"), tenant.id, numbers["vonage"])
    mms = {
        "From": MARKERS["phone"],
        "To": "+15017122621",
        "Body": MARKERS["body"],
        "NumMedia": "1",
        "MediaUrl0": MARKERS["attachment"],
        "MediaContentType0": "image/jpeg",
    }
    for sid, processed in (("SM" + "1" * 32, True), ("SM" + "2" * 32, False)):
        delivery_record(
            route=twilio,
            kind="message",
            provider_message_id=sid,
            provider_status="",
            payload=mms | {"MessageSid": sid},
        )
        if processed:
            delivery_process(delivery_id=WebhookDelivery.objects.get(provider_message_id=sid).pk)
    part = {
        "msisdn": MARKERS["phone"].lstrip("+"),
        "to": "447700900621",
        "messageId": "0A0000000000MARK",
        "text": MARKERS["body"],
        "concat": "true",
        "concat-ref": "9",
        "concat-total": "2",
        "concat-part": "1",
    }
    delivery_record(
        route=vonage,
        kind="message",
        provider_message_id="0A0000000000MARK",
        provider_status="",
        payload=part,
    )
    delivery_process(
        delivery_id=WebhookDelivery.objects.get(provider_message_id="0A0000000000MARK").pk
    )
    delivery_record(
        route=Route("twilio", Credentials("AC" + "9" * 32, "t")),
        kind="message",
        provider_message_id="SM" + "3" * 32,
        provider_status="",
        payload=mms,
    )
    # Each SMS table the search must cover holds a row.
    assert Message.objects.filter(provider_message_id="SM" + "1" * 32).exists()
    assert WebhookDelivery.objects.filter(state="pending").exists()
    assert ConcatenatedParts.objects.exists() and UnroutedDelivery.objects.exists()


def _every_stored_value():
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            columns = [c.name for c in introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    yield table, column, value


# A phone number travels in several spellings: Vonage sends it without "+", people
# type it in national form. Each one must be absent too.
PHONE_FORMS = {
    "phone (digits only)": MARKERS["phone"].lstrip("+"),
    "phone (national)": "0" + MARKERS["phone"][3:],
    "phone (international, spaced)": "+33 6 98 76 54 32",
    "phone (national, spaced)": "06 98 76 54 32",
}
SEARCHED = MARKERS | PHONE_FORMS


def _contains(value, marker: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bytes | memoryview | bytearray):
        data = bytes(value)
        return marker.encode() in data or marker.encode("utf-16-le") in data
    return marker in str(value) or marker.lower() in str(value).lower()


@pytest.fixture
def files(settings, tmp_path):
    """The attachments storage, in a folder searched as the tables are."""
    folder = tmp_path / "attachments"
    settings.STORAGES = settings.STORAGES | {
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        }
    }
    return folder


def test_no_marker_is_stored_in_clear_anywhere(tenant_a, caplog, files):
    with caplog.at_level(logging.DEBUG):
        _seed(tenant_a.tenant)
    found = [
        (table, column, name)
        for table, column, value in _every_stored_value()
        for name, marker in SEARCHED.items()
        if _contains(value, marker)
    ]
    assert found == []
    stored = list(_every_stored_file(files))
    assert len(stored) == 2  # the file and its thumbnail
    found = [
        (path.name, name)
        for path, data in stored
        for name, marker in SEARCHED.items()
        if _contains(data, marker)
    ]
    assert found == []
    for name, marker in SEARCHED.items():
        assert marker not in caplog.text, f"{name} marker in the logs"


def test_the_search_would_find_a_marker_in_a_file_in_clear(files):
    files.mkdir(parents=True)
    (files / "leak").write_bytes(b"\x89PNG" + MARKERS["file_content"].encode())
    [(path, data)] = _every_stored_file(files)
    assert _contains(data, MARKERS["file_content"])


@pytest.mark.parametrize("form", sorted(PHONE_FORMS))
def test_the_search_would_find_a_phone_number_stored_in_any_form(tenant_a, form, files):
    tenant_a.shop.name = f"Call {PHONE_FORMS[form]}"
    tenant_a.shop.save(update_fields=["name"])
    found = {
        (table, column, name)
        for table, column, value in _every_stored_value()
        for name, marker in SEARCHED.items()
        if _contains(value, marker)
    }
    assert ("tenants_shop", "name", form) in found


def test_the_search_would_find_a_marker_stored_in_clear(tenant_a):
    """The check above can fail: a clear value in any column is found."""
    tenant_a.shop.name = MARKERS["name"]
    tenant_a.shop.save(update_fields=["name"])
    found = {
        (table, column)
        for table, column, value in _every_stored_value()
        if _contains(value, MARKERS["name"])
    }
    assert found == {("tenants_shop", "name")}
