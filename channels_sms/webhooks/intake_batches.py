"""The native intake's INSERTs, committed together when webhooks arrive together.

Each webhook waits for the commit that holds its row before it is answered, as
it did alone; what changes is that the webhooks that reach their INSERT while
another commit is on its way share the next one: one query text (each tenant's
row-level security scope, then its rows in one INSERT), one round trip, one
commit, one WAL flush. Alone, a webhook's INSERT costs about as much again in
PostgreSQL as in the tier; its commit and the statement's parse and plan are
what rows committed together share (docs/scaling.md).

A batch is one implicit transaction: if it fails, every webhook in it is passed
on to the view, which stores each one alone (the INSERT skips a row already
stored, so nothing is stored twice). Two rows of one message in a batch (a
retry arriving with its original) are one row: ``ON CONFLICT DO NOTHING``
skips the second.
"""

import asyncio
import functools

from django.db import connection

from channels_sms.models import WebhookDelivery
from channels_sms.services.deliveries import insert_parts
from instaply import rls
from instaply.db.postgresql.base import APPLY, scope_values

MAX_ROWS = 64  # per batch: a query text of a few hundred kilobytes at most
# Batches on their way at once, per event loop: while they are, new rows wait
# for the next. Two keep PostgreSQL busy while the tier prepares the next batch.
IN_FLIGHT = 2


class InsertBatches:
    """The INSERTs of one event loop's webhooks, on connections of ``pool``."""

    def __init__(self, pool):
        self.pool = pool
        self.pending: list = []  # (tenant id, values, future), in arrival order
        self.flushing = 0  # flushers running, at most IN_FLIGHT
        self.gathering = False  # one of them is taking this turn's rows: no other needed
        self.flushers: set = set()  # their tasks: the loop holds tasks only weakly
        self.batches = 0  # committed (tests read it)
        self.rows = 0

    async def insert(self, tenant_id, values: list) -> None:
        """Returns once the row is committed (or was already stored); raises what
        the batch's statement raised."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append((tenant_id, values, future))
        if not self.gathering and self.flushing < IN_FLIGHT:
            self.flushing += 1
            self.gathering = True
            task = asyncio.get_running_loop().create_task(self._flush())
            self.flushers.add(task)
            task.add_done_callback(self.flushers.discard)
        await future

    async def _flush(self) -> None:
        gathered = False
        try:
            await asyncio.sleep(0)  # the rows of this turn of the loop join the batch
            self.gathering, gathered = False, True
            while self.pending:
                batch, self.pending = self.pending[:MAX_ROWS], self.pending[MAX_ROWS:]
                try:
                    await self._commit(batch)
                except BaseException as error:
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                else:
                    self.batches += 1
                    self.rows += len(batch)
                    for *_, future in batch:
                        if not future.done():
                            future.set_result(None)
        finally:
            self.flushing -= 1
            if not gathered:  # cancelled while gathering
                self.gathering = False

    async def _commit(self, batch: list) -> None:
        sql, params = batch_statement(batch)
        async with self.pool.connection() as conn, conn.cursor() as cursor:
            await cursor.execute(sql, params)


@functools.cache
def _parts() -> tuple[str, str]:
    return insert_parts(WebhookDelivery, connection)


def batch_statement(batch: list) -> tuple[str, list]:
    """One query text for the batch's rows: for each tenant, its scope then its
    rows' INSERT (the scope first, or row-level security refuses the rows)."""
    by_tenant: dict = {}
    for tenant_id, values, _future in batch:
        by_tenant.setdefault(tenant_id, []).append(values)
    head, row = _parts()
    enforced = connection.settings_dict.get("RLS", True)
    statements, params = [], []
    for tenant_id, rows in by_tenant.items():
        if enforced:
            statements.append(APPLY)
            params.extend(scope_values(rls.tenant_scope(tenant_id), connection.settings_dict))
        statements.append(f"{head}{', '.join([row] * len(rows))} ON CONFLICT DO NOTHING")
        for values in rows:
            params.extend(values)
    return "; ".join(statements), params
