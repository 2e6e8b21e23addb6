"""Seeding many encrypted rows fast, and honestly, for the benchmarks.

Every value is encrypted on its own, as the field's ``pre_save`` would: its
contact's data key, a fresh nonce, the associated data binding it to its
tenant, table, column and row (``_EncryptedField.context``, called as is). Only
the ORM is left out: no model instance per row, and on PostgreSQL the rows go
in with COPY. Data keys are made in bulk the same way (``keyring``'s own
wrapping under the tenant key). ``check_readable`` opens a sample through the
ORM afterwards with the key cache emptied: a value that was not bound to its
row the way the application binds it would not open.

Import after Django is set up.
"""

import os
import random

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, transaction

from privacy import keyring
from privacy.crypto import encrypt
from privacy.keys import KEY_BYTES
from privacy.models import DataKey


class _Row:
    """Just enough of a model instance for ``_EncryptedField.context``: the row's
    ids in ``__dict__`` and the model's ``_meta``."""

    def __init__(self, meta, tenant_id, pk):
        self._meta = meta
        self.__dict__.update(tenant_id=tenant_id, id=pk)


class Encryptor:
    """Encrypts the values of one encrypted field of one model, row by row."""

    def __init__(self, model, name: str):
        self.meta = model._meta
        self.field = model._meta.get_field(name)

    def __call__(self, cipher: AESGCM, tenant_id, pk, value) -> bytes:
        context = self.field.context(_Row(self.meta, tenant_id, pk))
        return encrypt(cipher, self.field.to_bytes(value), context)


def data_keys(tenant_id, subject_ids) -> dict:
    """A data key for each subject, stored wrapped under the tenant key; the
    ciphers (subject id -> AESGCM) for the caller to encrypt with."""
    tenant_key = keyring.current_tenant_key(tenant_id)
    ciphers, rows = {}, []
    for subject_id in subject_ids:
        material = os.urandom(KEY_BYTES)
        ciphers[subject_id] = AESGCM(material)
        # keyring's own wrapping: the key opens through data_cipher like any other.
        wrapped = keyring._wrap_data_key(tenant_key, subject_id, material)
        rows.append(
            {
                "id": subject_id,
                "tenant_id": tenant_id,
                "tenant_key_id": tenant_key.pk,
                "wrapped_key": wrapped,
            }
        )
    insert(DataKey, rows)
    return ciphers


def insert(model, rows: list[dict]) -> None:
    """Inserts ``rows`` (attname -> value; other columns take the field's default)
    in one transaction: COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    fields = model._meta.concrete_fields
    given = rows[0].keys()
    if connection.vendor != "postgresql":
        with transaction.atomic():
            model.objects.bulk_create([model(**row) for row in rows], batch_size=500)
        return
    defaults = {
        f.attname: f.get_db_prep_save(f.get_default(), connection)
        for f in fields
        if f.attname not in given
    }
    columns = [f.attname for f in fields]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    statement = f"COPY {table} ({names}) FROM STDIN"  # names from the model's own metadata
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] if c in row else defaults[c] for c in columns])


def check_readable(queryset, name: str, looks_right, *, sample: int = 50) -> None:
    """Opens ``name`` in ``sample`` random rows of ``queryset`` through the ORM, the
    key cache emptied: each must decrypt (bound to its row) and look right."""
    keyring.cache.clear()
    ids = list(queryset.values_list("pk", flat=True)[:5000])
    for row in queryset.filter(pk__in=random.sample(ids, min(sample, len(ids)))):
        value = getattr(row, name)
        if not looks_right(value):
            raise RuntimeError(f"{row._meta.label} {row.pk}.{name} reads {value[:20]!r}")
