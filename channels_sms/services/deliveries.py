"""Storing provider webhooks: one INSERT each, deduplicated by the database.

This is the request path of every SMS webhook, so it stays small: the route
was found (from the process's route book, or one query) and the signature
checked before it is called; here the delivery row is written with
``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (the last round trip). The stored
row is the job: a dispatcher picks it up, or (publish mode) its task is queued
once committed.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from channels_sms.models import PhoneNumber, UnroutedDelivery, WebhookDelivery
from channels_sms.payload_encryption import encrypt_payload
from channels_sms.providers import Credentials
from instaply.ids import uuid7
from instaply.publish import publish_after_commit


@dataclass(frozen=True)
class Route:
    """Where a webhook belongs, by our own records."""

    provider: str
    credentials: Credentials
    tenant_id: object = None  # None: a platform number no tenant holds
    number: PhoneNumber | None = None

    @property
    def rate_key(self) -> str:
        return (
            f"{self.provider}:{self.number.number if self.number else self.credentials.account_ref}"
        )


def delivery_record(
    *, route: Route, kind: str, provider_message_id: str, provider_status: str, payload: dict
) -> None:
    """Stores one webhook, once per provider id, and hands it to processing
    (``delivery_queue``)."""
    provider_message_id = provider_message_id[:64]
    if route.tenant_id is None:
        _unrouted_record(
            route=route,
            kind=kind,
            provider_message_id=provider_message_id,
            provider_status=provider_status,
            payload=payload,
        )
        return
    delivery = delivery_row(
        route=route,
        kind=kind,
        provider_message_id=provider_message_id,
        provider_status=provider_status,
        payload=payload,
    )
    if insert_or_skip(delivery):
        if delivery.state == WebhookDelivery.State.PENDING:
            delivery_queue(delivery.pk)
        return
    # A retry or replay of a stored delivery: nothing changes, and the provider gets
    # its success answer. In the publish mode, one still pending (its task lost?)
    # is queued again; processing is idempotent. A dispatcher finds it by itself.
    if settings.SMS_INBOUND_DISPATCH == "dispatcher":
        return
    pending = (
        WebhookDelivery.objects.for_tenant(route.tenant_id)
        .filter(
            provider=route.provider,
            kind=kind,
            provider_message_id=provider_message_id,
            provider_status=provider_status,
            state=WebhookDelivery.State.PENDING,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if pending:
        delivery_queue(pending)


def delivery_row(
    *, route: Route, kind: str, provider_message_id: str, provider_status: str, payload: dict
) -> WebhookDelivery:
    """The delivery row a webhook of a tenant's route is stored as (not saved):
    the same row whichever path serves the webhook."""
    return WebhookDelivery(
        id=uuid7(),
        tenant_id=route.tenant_id,
        provider=route.provider,
        kind=kind,
        provider_message_id=provider_message_id[:64],
        provider_status=provider_status,
        phone_number=route.number,
        payload=payload,
        state=WebhookDelivery.State.PENDING if route.number else WebhookDelivery.State.UNROUTED,
        note="" if route.number else "No number of ours matches; kept for replay.",
    )


def delivery_queue(delivery_id) -> None:
    """Hands a stored, pending delivery to processing once committed.

    With the dispatcher (production) the stored row is the job: nothing to
    publish, a dispatcher claims it (channels_sms/services/dispatch.py). In the
    publish mode, a task by id after commit; the webhook answers 2xx even when
    the broker is down, and the sweeper queues the pending delivery once it is
    back."""
    if settings.SMS_INBOUND_DISPATCH == "dispatcher":
        return
    from channels_sms.tasks import process_delivery

    publish_after_commit(process_delivery, delivery_id)


def _unrouted_record(*, route, kind, provider_message_id, provider_status, payload) -> None:
    row_id = uuid7()
    master_version, wrapped, encrypted = encrypt_payload(row_id=row_id, payload=payload)
    insert_or_skip(
        UnroutedDelivery(
            id=row_id,
            provider=route.provider,
            kind=kind,
            provider_message_id=provider_message_id,
            provider_status=provider_status,
            account_ref=route.credentials.account_ref[:64],
            master_version=master_version,
            wrapped_key=wrapped,
            payload=encrypted,
        )
    )


def insert_or_skip(instance) -> bool:
    """INSERT the new row unless a unique constraint already holds its twin.

    One round trip, no savepoint, no exception. Values go through each field's
    own ``pre_save`` and ``get_db_prep_save``, so encrypted fields encrypt exactly
    as ``save()`` would. True when the row was inserted.
    """
    sql, values = insert_statement(instance, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone() is not None


def insert_statement(instance, connection) -> tuple[str, list]:
    """``insert_or_skip``'s statement and values for ``instance``, without running it."""
    head, row = insert_parts(type(instance), connection)
    key = connection.ops.quote_name(instance._meta.pk.column)
    sql = f"{head}{row} ON CONFLICT DO NOTHING RETURNING {key}"
    return sql, insert_values(instance, connection)


def insert_values(instance, connection) -> list:
    """The values of ``instance``'s INSERT, each through its field's own
    ``pre_save`` and ``get_db_prep_save`` (encrypted fields encrypt exactly as
    ``save()`` would). Touches no database when the row's encryption key is in
    the process's key cache (the native intake runs its INSERTs on its own
    connection)."""
    fields = instance._meta.concrete_fields
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def insert_parts(model, connection) -> tuple[str, str]:
    """("INSERT INTO table (columns) VALUES ", "(%s, ...)"): an INSERT of
    ``model``'s rows, one placeholder group per row. Identifiers come from the
    model's own metadata; every value is a parameter."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in meta.concrete_fields)
    placeholders = ", ".join(["%s"] * len(meta.concrete_fields))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ", f"({placeholders})"  # noqa: S608
