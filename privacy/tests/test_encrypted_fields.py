"""Values are stored as bound AES-256-GCM ciphertext and open only where they belong."""

import logging

import pytest
from django.db import connection, transaction

from conversations.models import Contact, Message
from conversations.tests.factories import ContactFactory, MessageFactory
from privacy import keyring
from privacy.crypto import FORMAT_VERSION, HEADER, NONCE_BYTES, DecryptionError

pytestmark = pytest.mark.django_db


def _raw(model, pk, column):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE id = %s",
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        return bytes(cursor.fetchone()[0])


def _write_raw(model, pk, column, value):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE id = %s",
            [value, pk.hex if connection.vendor == "sqlite" else pk],
        )


def _fresh(model, pk):
    keyring.cache.clear()  # read as another process would
    return model.objects.get(pk=pk)


def test_a_value_round_trips_and_is_stored_as_ciphertext(tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="Parcel 42 for Ms Dupont")
    stored = _raw(Message, message.pk, "body")
    assert b"Dupont" not in stored
    fmt, key_version = HEADER.unpack_from(stored)
    assert (fmt, key_version) == (FORMAT_VERSION, 1)
    assert len(stored) == HEADER.size + NONCE_BYTES + len("Parcel 42 for Ms Dupont") + 16
    assert _fresh(Message, message.pk).body == "Parcel 42 for Ms Dupont"


def test_each_value_gets_its_own_nonce(tenant_a):
    one = MessageFactory(conversation__tenant=tenant_a.tenant, body="same text")
    two = MessageFactory(conversation=one.conversation, body="same text")
    nonce = slice(HEADER.size, HEADER.size + NONCE_BYTES)
    assert _raw(Message, one.pk, "body")[nonce] != _raw(Message, two.pk, "body")[nonce]


def test_json_values_round_trip(tenant_a):
    contact = ContactFactory(tenant=tenant_a.tenant, social_ids={"instagram": "@croissant_lover"})
    assert b"croissant" not in _raw(Contact, contact.pk, "social_ids")
    assert _fresh(Contact, contact.pk).social_ids == {"instagram": "@croissant_lover"}


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda b: b[:-1] + bytes([b[-1] ^ 1]), id="flipped tag byte"),
        pytest.param(lambda b: b[:20] + bytes([b[20] ^ 0x80]) + b[21:], id="flipped body byte"),
        pytest.param(lambda b: b[:10], id="truncated"),
        pytest.param(lambda b: bytes([FORMAT_VERSION, 0, 2]) + b[3:], id="other key version"),
        pytest.param(lambda b: bytes([9]) + b[1:], id="unknown format"),
    ],
)
def test_a_damaged_value_raises_a_clear_error_and_is_logged(tenant_a, tamper, caplog):
    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="top secret")
    _write_raw(Message, message.pk, "body", tamper(_raw(Message, message.pk, "body")))
    loaded = _fresh(Message, message.pk)
    with caplog.at_level(logging.ERROR), pytest.raises(DecryptionError, match="does not decrypt"):
        loaded.body  # noqa: B018
    assert "does not open" in caplog.text and "top secret" not in caplog.text


def test_a_value_moved_to_another_row_does_not_open(tenant_a):
    one = MessageFactory(conversation__tenant=tenant_a.tenant, body="first")
    two = MessageFactory(conversation=one.conversation, body="second")
    _write_raw(Message, two.pk, "body", _raw(Message, one.pk, "body"))
    with pytest.raises(DecryptionError):
        _fresh(Message, two.pk).body  # noqa: B018


def test_a_value_moved_to_another_column_does_not_open(tenant_a):
    contact = ContactFactory(tenant=tenant_a.tenant, name="Alice", email="alice@example.org")
    _write_raw(Contact, contact.pk, "email", _raw(Contact, contact.pk, "name"))
    with pytest.raises(DecryptionError):
        _fresh(Contact, contact.pk).email  # noqa: B018


def test_a_value_moved_to_another_tenant_does_not_open(tenant_a, tenant_b):
    theirs = MessageFactory(conversation__tenant=tenant_b.tenant, body="tenant B secret")
    ours = MessageFactory(conversation__tenant=tenant_a.tenant, body="ours")
    _write_raw(Message, ours.pk, "body", _raw(Message, theirs.pk, "body"))
    with pytest.raises(DecryptionError):
        _fresh(Message, ours.pk).body  # noqa: B018


def test_a_value_moved_to_another_tenant_with_the_same_key_and_row_does_not_open(
    tenant_a, tenant_b
):
    """Only the tenant differs: the same row id, the same contact and so the same
    data key (already unwrapped in this process). The associated data alone must
    refuse it; a value copied from another tenant's contact fails anyway."""
    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="bound to tenant A")
    assert _fresh(Message, message.pk).body == "bound to tenant A"  # the key is now cached
    assert keyring.cached_cipher(message.contact_id) is not None
    ids = [tenant_b.tenant.pk, message.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE conversations_message SET tenant_id = %s WHERE id = %s",
            [i.hex for i in ids] if connection.vendor == "sqlite" else ids,
        )
    moved = Message.objects.get(pk=message.pk)
    assert (moved.tenant_id, moved.contact_id) == (tenant_b.tenant.pk, message.contact_id)
    with pytest.raises(DecryptionError):
        moved.body  # noqa: B018


@pytest.mark.parametrize("part", ["tenant", "model", "column", "row"])
def test_a_value_opens_only_where_every_part_of_its_place_matches(tenant_a, tenant_b, part):
    """Each part of the associated data counts on its own: the same bytes, the
    same key, and a place that differs by exactly one part do not open."""
    from conversations.models import Note

    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="in its place")
    raw = _raw(Message, message.pk, "body")
    assert _fresh(Message, message.pk).body == "in its place"  # the key is now cached
    place = {
        "id": message.pk,
        "tenant_id": message.tenant_id,
        "contact_id": message.contact_id,
        "conversation_id": message.conversation_id,
    }
    model, column = Message, "body"
    if part == "tenant":
        place["tenant_id"] = tenant_b.tenant.pk
    elif part == "model":
        model = Note  # its body column, under the same contact's key
    elif part == "column":
        column = "attachments"
    else:
        place["id"] = MessageFactory(conversation=message.conversation).pk
    elsewhere = model(**place)
    setattr(elsewhere, column, raw)
    with pytest.raises(DecryptionError):
        getattr(elsewhere, column)
    same_place = Message(**{**place, "id": message.pk, "tenant_id": message.tenant_id})
    same_place.body = raw
    assert same_place.body == "in its place"


def test_a_value_that_fails_is_never_saved_back_changed(tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="keep me")
    raw = _raw(Message, message.pk, "body")
    # Flip a bit of the tag: setting the last byte to a fixed value left it
    # unchanged once in 256 runs, and the test then failed for no reason.
    damaged = raw[:-1] + bytes([raw[-1] ^ 0x01])
    _write_raw(Message, message.pk, "body", damaged)
    loaded = _fresh(Message, message.pk)
    with pytest.raises(DecryptionError):
        loaded.body  # noqa: B018
    loaded.status = Message.Status.DELIVERED
    loaded.save()
    assert _raw(Message, message.pk, "body") == damaged


def test_unchanged_values_are_not_re_encrypted_on_save(tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="stable")
    before = _raw(Message, message.pk, "body")
    loaded = _fresh(Message, message.pk)
    assert loaded.body == "stable"
    loaded.save()
    assert _raw(Message, message.pk, "body") == before


def test_plaintext_never_reaches_sql_around_save(tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant)
    with pytest.raises(TypeError, match="encrypted"), transaction.atomic():
        Message.objects.filter(pk=message.pk).update(body="sneaky")
    stored = Message.objects.values_list("body", flat=True).get(pk=message.pk)
    assert type(stored) is bytes and b"sneaky" not in stored


def test_a_page_of_rows_costs_one_unwrap_per_subject(tenant_a, django_assert_num_queries):
    message = MessageFactory(conversation__tenant=tenant_a.tenant)
    for _ in range(20):
        MessageFactory(conversation=message.conversation)
    keyring.cache.clear()
    rows = list(Message.objects.filter(conversation=message.conversation))
    with django_assert_num_queries(1):  # the data key, once, for all 21 bodies
        bodies = [row.body for row in rows]
    assert len(set(bodies)) == 21
    again = Message.objects.get(pk=message.pk)
    with django_assert_num_queries(0):  # the key stays cached for the next request
        assert again.body == message.body


def test_a_value_of_another_key_version_opens_alone_under_its_own_header(tenant_a, monkeypatch):
    from privacy.crypto import encrypt

    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="first")
    other = MessageFactory(conversation=message.conversation, body="second")
    field = Message._meta.get_field("body")
    cipher = keyring.cached_cipher(message.contact_id)
    _write_raw(
        Message, other.pk, "body", encrypt(cipher, b"second", field.context(other), key_version=2)
    )
    altered = bytearray(_raw(Message, message.pk, "body"))
    altered[-1] ^= 1  # the tag: this one opens nowhere
    _write_raw(Message, message.pk, "body", bytes(altered))
    rows = {row.pk: row for row in Message.objects.filter(conversation=message.conversation)}
    opened_alone = []
    real_open_value = type(field).open_value

    def open_value(self, instance, raw):
        opened_alone.append(instance.pk)
        return real_open_value(self, instance, raw)

    monkeypatch.setattr(type(field), "open_value", open_value)
    assert rows[other.pk].body == "second"
    with pytest.raises(DecryptionError):
        rows[message.pk].body  # noqa: B018
    # The page's loop binds version 1's header: the version-2 value fails there
    # (its header is authenticated) and opens alone, under its own header.
    assert sorted(opened_alone) == sorted([other.pk, message.pk])
