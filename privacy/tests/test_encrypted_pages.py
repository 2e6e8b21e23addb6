"""Rows fetched together open together, and exactly as each would alone."""

import gc
import pickle
import weakref

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation, Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from privacy import keyring
from privacy.crypto import ERASED, DecryptionError, encrypt, is_erased
from privacy.fields import is_unreadable, open_or_mark
from privacy.pages import PAGE_KEY
from privacy.tests.test_encrypted_fields import _raw, _write_raw
from tenants.models import Shop

pytestmark = pytest.mark.django_db


def _threads(tenant, n: int) -> list[Message]:
    """One message in each of ``n`` conversations, each with its own contact."""
    return [
        MessageFactory(conversation=ConversationFactory(tenant=tenant), body=f"message {i}")
        for i in range(n)
    ]


def _page(tenant) -> list[Message]:
    keyring.cache.clear()  # read as another process would
    return list(Message.objects.for_tenant(tenant).order_by("id"))


def test_a_page_over_many_contacts_loads_their_keys_in_one_query(
    tenant_a, django_assert_num_queries
):
    sent = _threads(tenant_a.tenant, 12)
    rows = _page(tenant_a.tenant)
    with django_assert_num_queries(1):  # twelve contacts' data keys, once
        bodies = [row.body for row in rows]
    assert bodies == [m.body for m in sent]
    assert all(PAGE_KEY in row.__dict__ for row in rows)


def test_a_field_never_read_is_never_decrypted(tenant_a):
    conversation = ConversationFactory(tenant=tenant_a.tenant)
    for _ in range(3):
        MessageFactory(conversation=conversation, attachments=[{"name": "invoice.pdf"}])
    rows = _page(tenant_a.tenant)
    rows[0].body  # noqa: B018
    assert all("_plain_body" in row.__dict__ for row in rows)
    assert not any("_plain_attachments" in row.__dict__ for row in rows)
    assert rows[1].attachments == [{"name": "invoice.pdf"}]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param("moved", id="a value moved from another row of the page"),
        pytest.param(lambda b: b[:-1] + bytes([b[-1] ^ 1]), id="flipped tag byte"),
        pytest.param(lambda b: bytes([1, 0, 2]) + b[3:], id="other key version"),
        pytest.param(lambda b: bytes([1, 0, 0]) + b[3:], id="key version below 1"),
        pytest.param(lambda b: bytes([9]) + b[1:], id="unknown format"),
        pytest.param(lambda b: b[:10], id="truncated"),
    ],
)
def test_a_damaged_value_in_a_page_fails_alone_as_it_would_read_alone(tenant_a, damage):
    sent = _threads(tenant_a.tenant, 4)
    victim, source = sent[2], sent[1]
    stored = _raw(Message, victim.pk, "body")
    if damage == "moved":  # same tenant, same model and column, another row and contact
        _write_raw(Message, victim.pk, "body", _raw(Message, source.pk, "body"))
    else:
        _write_raw(Message, victim.pk, "body", damage(stored))
    rows = _page(tenant_a.tenant)
    assert rows[0].body == "message 0"  # opens the page
    with pytest.raises(DecryptionError, match="does not decrypt"):
        rows[2].body  # noqa: B018
    assert [rows[i].body for i in (1, 3)] == ["message 1", "message 3"]
    again = _page(tenant_a.tenant)
    assert [open_or_mark(row, "body") for row in again] == [[], [], ["body"], []]
    assert is_unreadable(again[2].body) and again[3].body == "message 3"


def test_a_value_moved_within_a_page_to_the_same_contacts_other_row_does_not_open(tenant_a):
    """The same key for both rows (one contact): only the row id in the
    associated data tells them apart."""
    one = MessageFactory(conversation__tenant=tenant_a.tenant, body="first")
    two = MessageFactory(conversation=one.conversation, body="second")
    _write_raw(Message, two.pk, "body", _raw(Message, one.pk, "body"))
    first, second = _page(tenant_a.tenant)
    assert first.body == "first"
    with pytest.raises(DecryptionError):
        second.body  # noqa: B018


def test_an_erased_contact_reads_erased_in_a_page_and_the_others_do_not(tenant_a):
    sent = _threads(tenant_a.tenant, 3)
    keyring.data_key_destroy(tenant_id=tenant_a.tenant.pk, subject_id=sent[1].contact_id)
    rows = _page(tenant_a.tenant)
    assert [row.body for row in rows] == ["message 0", ERASED, "message 2"]
    assert is_erased(rows[1].body)


def test_rows_brought_by_select_related_share_a_page(tenant_a, django_assert_num_queries):
    for i in range(5):
        ConversationFactory(tenant=tenant_a.tenant, contact__name=f"Contact {i}")
    keyring.cache.clear()
    rows = list(
        Conversation.objects.for_tenant(tenant_a.tenant).select_related("contact").order_by("id")
    )
    with django_assert_num_queries(1):
        names = [row.contact.name for row in rows]
    assert names == [f"Contact {i}" for i in range(5)]


def test_a_page_keeps_no_row_alive_and_a_pickled_row_reads_alone(tenant_a):
    _threads(tenant_a.tenant, 3)
    rows = _page(tenant_a.tenant)
    copy = pickle.loads(pickle.dumps(rows[0]))
    assert copy.body == "message 0" and rows[1].body == "message 1"
    gone = weakref.ref(rows[2])
    del rows
    gc.disable()
    try:
        assert gone() is None  # freed by reference counting, without the collector
    finally:
        gc.enable()


def test_a_page_opens_the_rows_still_alive_when_one_was_freed(tenant_a, django_assert_num_queries):
    sent = _threads(tenant_a.tenant, 4)
    rows = _page(tenant_a.tenant)
    gone = weakref.ref(rows[1])
    del rows[1]
    assert gone() is None
    with django_assert_num_queries(1):  # the three contacts' keys, once
        assert [row.body for row in rows] == [sent[i].body for i in (0, 2, 3)]


def test_a_deferred_encrypted_field_is_loaded_on_first_read_not_read_as_none(tenant_a):
    sent = _threads(tenant_a.tenant, 3)
    keyring.cache.clear()
    rows = list(Message.objects.for_tenant(tenant_a.tenant).defer("body").order_by("id"))
    assert "body" in rows[0].get_deferred_fields()
    assert [row.body for row in rows] == [m.body for m in sent]
    stored = _raw(Message, rows[0].pk, "body")
    rows[0].save()  # read, not changed: written back as it was stored
    assert _raw(Message, rows[0].pk, "body") == stored


def test_a_deferred_subject_id_is_loaded_before_the_value_opens(tenant_a):
    sent = _threads(tenant_a.tenant, 2)
    keyring.cache.clear()
    messages = Message.objects.for_tenant(tenant_a.tenant).order_by("id")
    for kept in (("id", "tenant_id", "body"), ("id", "contact_id", "body"), ("id",)):
        keyring.cache.clear()
        assert [row.body for row in messages.only(*kept)] == [m.body for m in sent]


def test_a_row_refreshed_after_its_contact_was_erased_reads_erased_and_still_saves(tenant_a):
    sent = _threads(tenant_a.tenant, 2)
    keyring.data_key_destroy(tenant_id=tenant_a.tenant.pk, subject_id=sent[1].contact_id)
    keyring.cache.clear()
    erased = sent[1]
    erased.refresh_from_db()  # copied the marker in, and refused it, before
    assert erased.body is ERASED
    stored = _raw(Message, erased.pk, "body")
    erased.save()  # the stored ciphertext goes back as it was
    assert _raw(Message, erased.pk, "body") == stored
    with pytest.raises(ValueError, match="cannot be stored"):
        sent[0].body = erased.body  # copying a marker by hand is still refused


@pytest.mark.parametrize("keys", ["cached", "loaded by the page"])
def test_a_subject_between_two_runs_of_another_does_not_lend_or_borrow_its_key(tenant_a, keys):
    """Rows of contacts A, B, A, C, A: the page keeps the last subject's cipher
    while the subject stays the same; an erased subject in between must not
    become A's cipher, nor A's key open another contact's value."""
    a = ConversationFactory(tenant=tenant_a.tenant)
    b, c = ConversationFactory(tenant=tenant_a.tenant), ConversationFactory(tenant=tenant_a.tenant)
    for conversation, body in ((a, "a1"), (b, "b"), (a, "a2"), (c, "c"), (a, "a3")):
        MessageFactory(conversation=conversation, body=body)
    keyring.data_key_destroy(tenant_id=tenant_a.tenant.pk, subject_id=b.contact_id)

    def page():
        rows = _page(tenant_a.tenant)
        if keys == "cached":
            keyring.warm(tenant_a.tenant.pk, [a.contact_id, b.contact_id, c.contact_id])
        return rows

    rows = page()
    assert rows[0].body == "a1"
    assert all("_plain_body" in row.__dict__ for row in rows)  # all opened by the page
    assert [row.body for row in rows] == ["a1", ERASED, "a2", "c", "a3"]
    # C's row given a value sealed with A's key, bound to C's row in every other
    # way (tenant, model, column, row id): only the key tells it apart.
    forged = encrypt(keyring.data_cipher(tenant_a.tenant.pk, a.contact_id), b"forged",
                     Message._meta.get_field("body").context(rows[3]))  # fmt: skip
    _write_raw(Message, rows[3].pk, "body", forged)
    rows = page()
    assert rows[4].body == "a3"
    with pytest.raises(DecryptionError):
        rows[3].body  # noqa: B018


def test_rows_of_two_tenants_in_one_page_open_each_under_its_own_tenant(tenant_a, tenant_b):
    for i in range(3):  # interleaved by id: a, b, a, b, a, b
        MessageFactory(conversation__tenant=tenant_a.tenant, body=f"a{i}")
        MessageFactory(conversation__tenant=tenant_b.tenant, body=f"b{i}")
    everyone = Message.objects.dangerously_unscoped(reason="test: one page over two tenants")

    def page():
        keyring.cache.clear()
        rows = list(everyone.filter(tenant__in=[tenant_a.tenant, tenant_b.tenant]).order_by("id"))
        assert len({row.__dict__[PAGE_KEY] for row in rows}) == 1
        return rows

    rows = page()
    assert rows[0].body == "a0"
    assert all("_plain_body" in row.__dict__ for row in rows)  # all opened by the page
    assert [row.body for row in rows] == ["a0", "b0", "a1", "b1", "a2", "b2"]
    # A row claiming the other tenant (its tenant id changed in memory, so the
    # previous row's tenant is the one it names) does not open; its neighbours do.
    rows = page()
    rows[3].__dict__["tenant_id"] = rows[2].tenant_id
    assert [rows[i].body for i in (0, 1, 2, 4, 5)] == ["a0", "b0", "a1", "a2", "b2"]
    with pytest.raises(DecryptionError):
        rows[3].body  # noqa: B018


def _data_key_queries(queries) -> int:
    return sum("privacy_datakey" in query["sql"] for query in queries)


def test_an_iterator_opens_its_rows_a_chunk_at_a_time(tenant_a):
    sent = _threads(tenant_a.tenant, 5)
    keyring.cache.clear()
    rows = Message.objects.for_tenant(tenant_a.tenant).order_by("id").iterator(chunk_size=2)
    with CaptureQueriesContext(connection) as queries:
        bodies = [row.body for row in rows]
    assert bodies == [m.body for m in sent]
    # Chunks of 2, 2 and 1 rows: one query for each chunk's keys (the last
    # row, alone in its chunk, opens alone), not one for each of the five.
    assert _data_key_queries(queries) == 3


def test_a_damaged_value_in_an_iterator_chunk_fails_alone(tenant_a):
    sent = _threads(tenant_a.tenant, 4)
    stored = _raw(Message, sent[1].pk, "body")
    _write_raw(Message, sent[1].pk, "body", stored[:-1] + bytes([stored[-1] ^ 1]))
    keyring.cache.clear()
    rows = Message.objects.for_tenant(tenant_a.tenant).order_by("id").iterator(chunk_size=4)
    first, second, *rest = rows
    assert PAGE_KEY in first.__dict__ and first.body == "message 0"
    with pytest.raises(DecryptionError, match="does not decrypt"):
        second.body  # noqa: B018
    assert [row.body for row in rest] == ["message 2", "message 3"]


def test_an_iterator_of_values_or_of_rows_without_encrypted_fields_is_left_alone(tenant_a):
    sent = _threads(tenant_a.tenant, 3)
    messages = Message.objects.for_tenant(tenant_a.tenant).order_by("id")
    stored = list(messages.values_list("body", flat=True).iterator(chunk_size=2))
    assert stored == [_raw(Message, m.pk, "body") for m in sent]  # values are not opened
    shops = Shop.objects.for_tenant(tenant_a.tenant).iterator(chunk_size=2)
    assert all(PAGE_KEY not in shop.__dict__ for shop in shops)
