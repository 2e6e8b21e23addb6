"""A page query compiled once per shape: the ORM's rows, each tenant's own, through the hook."""

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from privacy.pages import PAGE_KEY
from tenants import compiled
from tenants.compiled import CompiledQuery

pytestmark = pytest.mark.django_db


def _thread(shape, p):
    rows = Message.objects.for_tenant(p["tenant"]).filter(conversation_id__in=p["conversations"])
    if "before" in p:
        rows = rows.filter(id__lt=p["before"])
    return rows.select_related("sender__user").order_by("-id")[: shape[0]]


THREAD = CompiledQuery(
    _thread,
    tenant=Message._meta.get_field("tenant"),
    conversations=Message._meta.get_field("conversation"),
    before=Message._meta.get_field("id"),
)


def _fields(row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in Message._meta.concrete_fields}


def _messages(tenant, n):
    conversation = ConversationFactory(tenant=tenant.tenant, shop=tenant.shop)
    return [MessageFactory(conversation=conversation, body=f"text {i}") for i in range(n)]


def test_rows_are_those_the_orm_reads_for_the_same_shape_and_values(tenant_a):
    sent = _messages(tenant_a, 4)
    ids = [sent[0].conversation_id]
    for values in ({}, {"before": sent[2].id}):
        found = THREAD.fetch(tenant=tenant_a.tenant, shape=(10,), conversations=ids, **values)
        expected = list(
            _thread((10,), {"tenant": tenant_a.tenant.id, "conversations": ids, **values})
        )
        assert [_fields(r) for r in found] == [_fields(r) for r in expected]
        assert [r.body for r in found] == [r.body for r in expected]
    assert len(found) == 2


def test_one_compiled_shape_serves_each_tenant_its_own_rows(tenant_a, tenant_b):
    a, b = _messages(tenant_a, 2), _messages(tenant_b, 2)
    both = [a[0].conversation_id, b[0].conversation_id]
    got_a = THREAD.fetch(tenant=tenant_a.tenant, shape=(10,), conversations=both)
    got_b = THREAD.fetch(tenant=tenant_b.tenant.id, shape=(10,), conversations=both)
    assert {r.id for r in got_a} == {m.id for m in a}
    assert {r.id for r in got_b} == {m.id for m in b}


def test_a_page_of_rows_opens_its_encrypted_values_together(tenant_a):
    _messages(tenant_a, 3)
    conversation_ids = list(
        Message.objects.for_tenant(tenant_a.tenant).values_list("conversation_id", flat=True)
    )[:1]
    with CaptureQueriesContext(connection) as queries:
        rows = THREAD.fetch(tenant=tenant_a.tenant, shape=(10,), conversations=conversation_ids)
    assert len(rows) == 3 and all(PAGE_KEY in row.__dict__ for row in rows)
    assert sum("FROM" in q["sql"] for q in queries) == 1


def test_a_value_written_into_the_builder_is_refused(tenant_a):
    baked = CompiledQuery(
        lambda shape, p: Message.objects.for_tenant(p["tenant"]).filter(direction="inbound"),
        tenant=Message._meta.get_field("tenant"),
    )
    with pytest.raises(ValueError, match="not a parameter's stand-in"):
        baked.fetch(tenant=tenant_a.tenant)


def test_the_shapes_kept_are_bounded_and_a_dropped_one_is_compiled_again(tenant_a, monkeypatch):
    monkeypatch.setattr(compiled, "MAX_SHAPES", 3)
    sent = _messages(tenant_a, 5)
    ids = [sent[0].conversation_id]
    for size in (1, 2, 3, 4, 5, 1):
        rows = THREAD.fetch(tenant=tenant_a.tenant, shape=(size,), conversations=ids)
        assert len(rows) == size
        assert len(THREAD._compiled) <= 3


def test_a_statements_converters_are_found_once_per_connection(tenant_a, monkeypatch):
    sent = _messages(tenant_a, 2)
    ids = [sent[0].conversation_id]
    found = []
    real = SQLCompiler.get_converters

    def counting(compiler, expressions):
        found.append(len(expressions))
        return real(compiler, expressions)

    monkeypatch.setattr(SQLCompiler, "get_converters", counting)
    connection.__dict__.pop("_compiled_converters", None)
    shape = (7,)  # a shape of its own: compiled by this test
    runs = [THREAD.fetch(tenant=tenant_a.tenant, shape=shape, conversations=ids) for _ in range(3)]
    assert len(found) == 1
    # Converted as the ORM converts them, on every run (the body's ciphertext opens).
    assert [[r.body for r in rows] for rows in runs] == [["text 1", "text 0"]] * 3
