"""Reads of SMS numbers and accounts.

Tenant reads take the tenant and look ids up inside it. Webhook routing cannot:
the tenant is what it finds out, from our own records (numbers, Messaging
Services, accounts), never from what the payload claims.
"""

import functools

from django.db import connection
from django.db.models import QuerySet

from channels_sms.models import TWILIO_PROTOCOL, PhoneNumber, Provider, ProviderAccount
from instaply import rls
from tenants.models import Tenant
from tenants.scoping import tenant_get


def provider_account_list(*, tenant: Tenant) -> QuerySet[ProviderAccount]:
    # Index: sms_account_tenant.
    return ProviderAccount.objects.for_tenant(tenant).order_by("provider", "created_at")


def provider_account_get(*, tenant: Tenant, id) -> ProviderAccount:
    return tenant_get(ProviderAccount.objects, tenant=tenant, id=id, what="SMS provider account")


def phone_number_list(*, tenant: Tenant) -> QuerySet[PhoneNumber]:
    # Index: sms_number_tenant_shop.
    return (
        PhoneNumber.objects.for_tenant(tenant)
        .select_related("account")
        .order_by("-active", "number", "id")
    )


def phone_number_get(*, tenant: Tenant, id) -> PhoneNumber:
    return tenant_get(
        PhoneNumber.objects.select_related("account"), tenant=tenant, id=id, what="phone number"
    )


def phone_number_of_conversation(conversation) -> PhoneNumber | None:
    return (
        PhoneNumber.objects.for_tenant(conversation.tenant_id)
        .select_related("account")
        .filter(pk=conversation.endpoint_id)
        .first()
    )


# Webhook routing ----------------------------------------------------------------


def _prefer(numbers: list[PhoneNumber], number: str) -> PhoneNumber | None:
    # An active number over a deactivated one; the exact number within a service.
    ranked = sorted(numbers, key=lambda n: (not n.active, n.number != number, n.created_at))
    return ranked[0] if ranked else None


@functools.cache
def _route_query(vendor: str) -> tuple[str, list, int]:
    """SELECT clause, per-column converters, and where the account's columns start."""
    quote = connection.ops.quote_name
    number_fields = PhoneNumber._meta.concrete_fields
    account_fields = ProviderAccount._meta.concrete_fields
    columns = [f.get_col("n") for f in number_fields] + [f.get_col("a") for f in account_fields]
    select = ", ".join(f"{col.alias}.{quote(col.target.column)}" for col in columns)
    tables = (
        f"{quote(PhoneNumber._meta.db_table)} n JOIN {quote(ProviderAccount._meta.db_table)} a "
        f"ON a.{quote('id')} = n.{quote('account_id')}"
    )
    converters = [
        connection.ops.get_db_converters(col) + col.get_db_converters(connection) for col in columns
    ]
    query = f"SELECT {select} FROM {tables}"  # noqa: S608 - identifiers from model metadata
    return query, list(zip(columns, converters, strict=True)), len(number_fields)


_ROUTING = rls.platform_scope("a webhook's number finds its tenant")


def _route_rows(condition: str, params: list) -> list[PhoneNumber]:
    """Numbers (with their accounts) matching ``condition``, in one query.

    Hand-written SQL because this runs on every webhook, where compiling the ORM
    query was the largest CPU cost of the request (bench/webhook_bench.py). Columns
    come from the models' metadata, so the rows are the models' own (encrypted
    fields included).
    """
    select, converters, split = _route_query(connection.vendor)
    # The number finds the tenant: before it, the request acts for nobody.
    with rls.through_door(_ROUTING), connection.cursor() as cursor:
        # Identifiers come from model metadata; every value is a parameter.
        cursor.execute(f"{select} WHERE {condition} LIMIT 20", params)  # noqa: S608
        rows = cursor.fetchall()
    numbers = []
    for row in rows:
        values = []
        for (col, column_converters), value in zip(converters, row, strict=True):
            for convert in column_converters:
                value = convert(value, col, connection)
            values.append(value)
        number = PhoneNumber.from_db(connection.alias, None, values[:split])
        number.account = ProviderAccount.from_db(connection.alias, None, values[split:])
        numbers.append(number)
    return numbers


def route_twilio(*, account_sid: str, messaging_service_sid: str, number: str):
    """The number a Twilio webhook is for: by Messaging Service first (its pool
    holds numbers we may not list one by one), then by account and number.
    One query. Indexes: sms_number_service_route, sms_number_route."""
    if not account_sid:
        return None
    candidates = _route_rows(
        "n.provider IN (%s, %s) AND a.account_ref = %s "
        "AND (n.number = %s OR (%s <> '' AND n.messaging_service_sid = %s))",
        [*TWILIO_PROTOCOL, account_sid, number, messaging_service_sid, messaging_service_sid],
    )
    in_service = [
        n
        for n in candidates
        if messaging_service_sid and n.messaging_service_sid == messaging_service_sid
    ]
    return _prefer(in_service, number) or _prefer(
        [n for n in candidates if n.number == number], number
    )


def route_vonage(*, number: str):
    """The number a Vonage webhook is for, by our number. Index: sms_number_route."""
    if not number:
        return None
    return _prefer(
        _route_rows("n.provider = %s AND n.number = %s", [Provider.VONAGE, number]), number
    )


def route_account(*, providers, account_ref: str) -> ProviderAccount | None:
    """A tenant's own provider account by its reference, for a webhook to a
    number it holds that we do not know. Index: sms_account_route."""
    if not account_ref:
        return None
    return (
        ProviderAccount.objects.dangerously_unscoped(reason="a webhook's account finds its tenant")
        .filter(provider__in=providers, account_ref=account_ref, platform_owned=False)
        .order_by("created_at")
        .first()
    )
