"""The native intake's rows committed together (channels_sms/webhooks/intake_batches.py),
on the intake's own async pool against the test database, as the application
role under row-level security."""

import asyncio

import pytest
from django.db import connection

from channels_sms.models import DeliveryKind, WebhookDelivery
from channels_sms.services import deliveries
from channels_sms.webhooks.intake import WebhookIntake
from instaply import rls
from instaply.ids import uuid7

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the native intake runs on PostgreSQL only"
    ),
]


def _values(tenant, sid: str) -> list:
    row = WebhookDelivery(
        id=uuid7(),
        tenant_id=tenant.pk,
        provider="twilio",
        kind=DeliveryKind.MESSAGE,
        provider_message_id=sid,
        provider_status="",
        payload={"MessageSid": sid, "Body": "Is my order ready?"},
        state=WebhookDelivery.State.PENDING,
    )
    with rls.for_row(tenant.pk):  # the payload's key, read as the intake finds it cached
        return deliveries.insert_values(row, connection)


def _together(rows: list) -> tuple:
    """Every row's insert started in the same turn of one event loop: (the
    batches, each insert's outcome: None or the exception it raised)."""

    async def run():
        intake = WebhookIntake(others=None)
        batches = await intake._loop_batches()
        try:
            outcomes = await asyncio.gather(
                *(batches.insert(tenant_id, values) for tenant_id, values in rows),
                return_exceptions=True,
            )
        finally:
            await intake.close()
        return batches, outcomes

    return asyncio.run(run())


def _stored(tenant) -> list[str]:
    with rls.for_row(tenant.pk):
        rows = WebhookDelivery.objects.for_tenant(tenant.pk).order_by("provider_message_id")
        return list(rows.values_list("provider_message_id", flat=True))


def test_webhooks_arriving_together_share_one_commit_each_stored_once_in_its_tenant(
    tenant_a, tenant_b
):
    a, b = tenant_a.tenant, tenant_b.tenant
    rows = [(a.pk, _values(a, f"SMa{n}")) for n in range(5)]
    rows += [(b.pk, _values(b, "SMb0")), (a.pk, _values(a, "SMa2")), (b.pk, _values(b, "SMb1"))]
    batches, outcomes = _together(rows)
    assert outcomes == [None] * len(rows)
    assert (batches.batches, batches.rows) == (1, len(rows))
    # The retry of SMa2 in the same batch is skipped; each tenant's rows are its own.
    assert _stored(a) == [f"SMa{n}" for n in range(5)]
    assert _stored(b) == ["SMb0", "SMb1"]


def test_a_batch_that_fails_fails_each_of_its_webhooks_and_stores_none(tenant_a):
    a = tenant_a.tenant
    rows = [(a.pk, _values(a, f"SM{n}")) for n in range(3)]
    rows.append((a.pk, _values(a, "SM" + "9" * 80)))  # longer than the column takes
    batches, outcomes = _together(rows)
    assert all(isinstance(outcome, Exception) for outcome in outcomes)
    assert batches.batches == 0
    assert _stored(a) == []  # one transaction: the good rows went with the bad one


def test_rows_arriving_while_a_batch_commits_go_in_a_later_one(tenant_a):
    a = tenant_a.tenant
    first = [(a.pk, _values(a, f"SMfirst{n}")) for n in range(2)]
    later = [(a.pk, _values(a, f"SMlater{n}")) for n in range(4)]

    async def run():
        intake = WebhookIntake(others=None)
        batches = await intake._loop_batches()
        try:
            early = [asyncio.ensure_future(batches.insert(*row)) for row in first]
            await asyncio.sleep(0)
            await asyncio.sleep(0)  # the first batch is on its way
            await asyncio.gather(*early, *(batches.insert(*row) for row in later))
        finally:
            await intake.close()
        return batches

    batches = asyncio.run(run())
    assert batches.rows == 6 and batches.batches >= 2
    assert len(_stored(a)) == 6
