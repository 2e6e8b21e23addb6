"""Rows fetched from the database are built without Model.__init__
(tenants/models/rows.py): they must be the rows Django would build."""

import datetime as dt

import pytest
from django.db import connection, models
from django.db.models.signals import post_init

from conversations.models import Message
from conversations.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

# What Django keeps in a row's dictionary besides its columns, and page bookkeeping.
_BOOKKEEPING = {"_state", "_encrypted_page"}


def _columns(row) -> dict:
    return {k: v for k, v in row.__dict__.items() if k not in _BOOKKEEPING}


def test_a_fetched_row_holds_what_django_would_build(tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="Bonjour")
    fetched = Message.objects.for_tenant(tenant_a.tenant).get(pk=message.pk)
    fields = Message._meta.concrete_fields
    values = [fetched.__dict__[f.attname] for f in fields]
    built = Message(*values)  # Django's own path
    assert _columns(fetched) == _columns(built)
    assert fetched._state.adding is False and fetched._state.db == "default"
    assert fetched.body == "Bonjour"  # the encrypted field went through its setter
    assert fetched.conversation == message.conversation  # relations load as before
    fetched.contact_id = None  # a foreign key's id still clears a loaded relation
    assert "contact" not in fetched._state.fields_cache


def test_a_row_with_deferred_columns_holds_what_django_would_build(tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="Bonjour")
    rows = Message.objects.for_tenant(tenant_a.tenant)
    columns = ("id", "tenant_id", "status", "body", "created_at")
    deferred = rows.only(*columns).get(pk=message.pk)
    names = [f.attname for f in Message._meta.concrete_fields if f.attname in columns]
    values = [deferred.__dict__[name] for name in names]
    by_django = models.Model.__dict__["from_db"].__func__(Message, "default", names, values)
    assert _columns(deferred) == _columns(by_django)
    assert deferred.get_deferred_fields() == by_django.get_deferred_fields()
    assert deferred.body == "Bonjour"
    # A deferred column loads when read; so does a deferred encrypted one, and opens.
    assert "direction" not in deferred.__dict__ and deferred.direction == message.direction
    assert rows.only("id", "tenant_id").get(pk=message.pk).body == "Bonjour"


def test_rows_of_a_model_with_init_receivers_are_built_by_django(tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="Bonjour")
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(receiver, sender=Message)
    try:
        Message.objects.for_tenant(tenant_a.tenant).get(pk=message.pk)
    finally:
        post_init.disconnect(receiver, sender=Message)
    assert seen == [message.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders")
def test_timestamps_load_as_utc_through_psycopgs_compiled_loader(tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant)
    fetched = Message.objects.for_tenant(tenant_a.tenant).get(pk=message.pk)
    assert fetched.created_at == message.created_at
    assert fetched.created_at.tzinfo is dt.UTC
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, 0)  # timestamptz, text
        cursor.execute("SELECT now()")
        assert cursor.fetchone()[0].tzinfo is dt.UTC
    assert loader.__module__ != "django.db.backends.postgresql.psycopg_any"
