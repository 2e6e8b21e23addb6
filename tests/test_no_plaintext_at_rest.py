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
    "preview": "MARKER-PREVIEW-text",
}


def _seed(tenant):
    contact = ContactFactory(
        tenant=tenant,
        name=MARKERS["name"],
        email=MARKERS["email"],
        phone=MARKERS["phone"],
        social_ids={"instagram": MARKERS["social"]},
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
    MessageFactory(
        conversation=conversation,
        body=MARKERS["body"],
        attachments=[{"url": MARKERS["attachment"], "content_type": "image/jpeg"}],
    )
    Note.objects.create(
        tenant=tenant, conversation=conversation, contact=contact, body=MARKERS["note"]
    )


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


def _contains(value, marker: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bytes | memoryview | bytearray):
        data = bytes(value)
        return marker.encode() in data or marker.encode("utf-16-le") in data
    return marker in str(value) or marker.lower() in str(value).lower()


def test_no_marker_is_stored_in_clear_anywhere(tenant_a, caplog):
    with caplog.at_level(logging.DEBUG):
        _seed(tenant_a.tenant)
    found = [
        (table, column, name)
        for table, column, value in _every_stored_value()
        for name, marker in MARKERS.items()
        if _contains(value, marker)
    ]
    assert found == []
    for name, marker in MARKERS.items():
        assert marker not in caplog.text, f"{name} marker in the logs"


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
