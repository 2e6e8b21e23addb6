"""After an erasure, nothing about the subject is left that anyone could read.

A subject is given every kind of data the platform stores about a contact
(an SMS conversation with inbound and outbound messages and an MMS, stored
webhooks processed and pending, half of a long text, a status callback, a reply
waiting to leave, notes, labels, reads, live-feed events, a widget chat), and a
second contact lives beside them. After the erasure:

- no column of any row of any table holds the subject's identifiers or words in clear;
- no encrypted value of any model opens under the subject's former data key
  (kept aside by the test, as a thief who copied it would), nor under the key
  the platform would use today: that key is destroyed;
- no file the platform wrote (access packages, var/) holds them;
- no table of the reporting database holds them, nor a fact of the subject's
  conversations or messages: their opaque keys are left only in the list of
  forgotten keys (which keeps a late extract batch from writing them back);
- the other contact is whole and readable.
"""

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, connections

from analytics.reporting import keys
from analytics.reporting.models import ConversationFact, ForgottenKey, MessageFact
from analytics.reporting.router import REPORTING_DB
from analytics.reporting.tests.support import extract
from channels_sms.tasks import send_message
from conversations.models import Contact, Message, Note
from privacy import keyring
from privacy.crypto import DecryptionError, decrypt, is_erased
from privacy.dsr.erasure import erase_subject
from privacy.dsr.models import ErasureRecord
from privacy.dsr.tests.erasure_support import erasure_request, no_progress, seed_subject
from privacy.fields import _EncryptedField
from privacy.models import DataKey

pytestmark = pytest.mark.django_db


def _every_stored_value(connection=connection):
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            columns = [c.name for c in introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    yield table, column, value


def _forms(markers: dict) -> dict:
    phone = markers["phone"]
    return markers | {
        "phone (digits only)": phone.lstrip("+"),
        "phone (national)": "0" + phone[3:],
    }


def _contains(value, marker: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bytes | memoryview | bytearray):
        data = bytes(value)
        return marker.encode() in data or marker.encode("utf-16-le") in data
    return marker.lower() in str(value).lower()


def _encrypted_values():
    """(model, field, row) for every encrypted column of every row of every model."""
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, _EncryptedField)]
        if not fields:
            continue
        rows = model._base_manager.all()
        for row in rows.iterator():
            for field in fields:
                raw = row.__dict__.get(field.attname)
                if raw is not None:
                    yield model, field, row, raw


def _files_written():
    """Files the platform writes: its package directory and var/ (not the
    database files of the embedded mode, nor the development key ring)."""
    roots = [getattr(settings, "PRIVACY_PACKAGE_DIR", None), settings.VAR_DIR]
    for root in filter(None, roots):
        for path in type(settings.VAR_DIR)(root).rglob("*"):
            if path.is_file() and ".sqlite3" not in path.name and path.name != "master_keys":
                yield path


def test_nothing_about_an_erased_subject_is_left_readable(
    tenant_a, django_capture_on_commit_callbacks
):
    subject = seed_subject(tenant_a, django_capture_on_commit_callbacks)
    tenant_id = tenant_a.tenant.id
    contact_id = subject.contact.pk
    # What a thief holding a copy of the key would have.
    stolen_key = keyring.data_cipher(tenant_id, contact_id)
    searched = _forms(subject.markers)
    before = {
        name
        for _, _, value in _every_stored_value()
        for name, marker in searched.items()
        if _contains(value, marker)
    }
    # The seed put something findable in clear somewhere? Nothing: the data is encrypted.
    assert before == set()
    seeded = [
        (model, field, row)
        for model, field, row, raw in _encrypted_values()
        if _opens(stolen_key, field, row, raw)
    ]
    labels = {model._meta.label for model, _, _ in seeded}
    assert {"conversations.Contact", "conversations.Message", "conversations.Note"} <= labels
    assert "conversations.Conversation" in labels
    # The reporting database holds facts of the subject's conversations and messages.
    extract()
    opaque = {
        keys.opaque_key(keys.CONVERSATION, pk)
        for pk in (subject.sms_conversation.pk, subject.widget_conversation.pk)
    } | {
        keys.opaque_key(keys.MESSAGE, pk)
        for pk in Message.objects.filter(contact_id=contact_id).values_list("pk", flat=True)
    }
    reporting = connections[REPORTING_DB]
    facts_before = {(t, c) for t, c, v in _every_stored_value(reporting) if _opaque(v, opaque)}
    assert {t for t, _ in facts_before} >= {
        ConversationFact._meta.db_table,
        MessageFact._meta.db_table,
    }

    request = erasure_request(tenant_a.tenant, subject.contact, phone=subject.markers["phone"])
    counts = erase_subject(request, subject.contact, no_progress)

    # The reply that was waiting never leaves, even if its task runs now.
    send_message.delay(str(subject.queued.pk))
    assert not Message.objects.filter(pk=subject.queued.pk).exists()

    found = [
        (table, column, name)
        for table, column, value in _every_stored_value()
        for name, marker in searched.items()
        if _contains(value, marker)
    ]
    assert found == []
    still_open = [
        (model._meta.label, field.name, row.pk)
        for model, field, row, raw in _encrypted_values()
        if _opens(stolen_key, field, row, raw)
    ]
    assert still_open == []
    keyring.cache.clear()
    assert DataKey.objects.get(pk=contact_id).wrapped_key is None
    assert DataKey.objects.get(pk=request.pk).wrapped_key is None
    assert is_erased(keyring.data_cipher(tenant_id, contact_id))
    for path in _files_written():
        data = path.read_bytes()
        assert not any(m.encode() in data for m in searched.values()), path
    forgotten = ForgottenKey._meta.db_table
    in_reporting = [
        (table, column)
        for table, column, value in _every_stored_value(reporting)
        if table != forgotten
        and (_opaque(value, opaque) or any(_contains(value, m) for m in searched.values()))
    ]
    assert in_reporting == []

    # Only the evidence is kept, and the other contact is whole.
    record = ErasureRecord.objects.get(request=request)
    assert counts == {"erased": record.counts}
    assert record.counts["messages"] == 4 and record.counts["conversations"] == 2
    assert record.receipt["backups"]["expire_by"]
    assert not Contact.objects.filter(pk=contact_id).exists()
    other = Contact.objects.get(pk=subject.other.pk)
    assert other.name == subject.other_markers["name"]
    assert other.phone == subject.other_markers["phone"]
    assert [m.body for m in Message.objects.filter(contact=other)] == [
        subject.other_markers["body"]
    ]
    assert [n.body for n in Note.objects.filter(contact=other)] == [subject.other_markers["note"]]


def _opaque(value, opaque: set) -> bool:
    return isinstance(value, str) and value in opaque


def _opens(cipher, field, row, raw) -> bool:
    try:
        decrypt(cipher, raw, field.context(row))
    except DecryptionError:
        return False
    return True
