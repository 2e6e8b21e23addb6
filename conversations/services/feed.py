"""Publishing to a tenant's live feed (conversations.FeedEvent)."""

from django.db import connection, transaction
from django.db.models import DateTimeField, Func
from django.db.models.functions import Now

from conversations import live
from conversations.models import FeedEvent

# Advisory locks are two int4 keys: this class, then the tenant's.
_FEED_LOCK_CLASS = 0x1F_EED


class StatementClock(Func):
    """The database's clock when the statement runs (PostgreSQL's clock_timestamp()),
    where ``Now()`` is the start of the transaction."""

    template = "clock_timestamp()"
    output_field = DateTimeField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return Now().as_sqlite(compiler, connection, **extra_context)


def _take_the_tenant_s_turn(tenant_id) -> None:
    """One feed write of a tenant at a time, each until it commits.

    Readers take the entries after a sequence number that are at least a moment
    old. Two writers of a tenant that committed in another order than their
    sequence numbers could let a reader step past the slower one for good (the
    load bench caught one long-poll missing one event in 5,733). Taking turns
    per tenant makes the order of sequence numbers, of ``created_at`` (taken
    after the turn) and of commits one and the same. SQLite writes one
    transaction at a time anyway.
    """
    if connection.vendor != "postgresql":
        return
    key = int(str(tenant_id).replace("-", "")[-8:], 16) - 2**31  # an int4 from the uuid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_FEED_LOCK_CLASS, key])


def feed_publish(*, tenant_id, kind: str, conversation_id, **payload) -> None:
    """Adds an event once the current transaction commits (at once outside one).

    The payload holds ids and states only: clients fetch content through the
    API, where reads are authorised and audited. Waiting clients of the tenant
    are woken when the entry commits (conversations.live).
    """
    feed_publish_many(
        tenant_id=tenant_id, entries=[{"kind": kind, "conversation_id": conversation_id, **payload}]
    )


def feed_publish_many(*, tenant_id, entries: list[dict]) -> None:
    """Adds several events of one tenant, in this order, once the current
    transaction commits: one turn, one INSERT and one announcement for all.

    Each entry is ``{"kind": ..., "conversation_id": ..., **payload}``.
    """
    rows = [
        FeedEvent(
            tenant_id=tenant_id,
            kind=entry["kind"],
            conversation_id=entry["conversation_id"],
            payload={
                key: str(value) if value is not None else None
                for key, value in entry.items()
                if key not in ("kind", "conversation_id")
            },
            # After the turn: the order of sequence numbers, times and commits agree.
            created_at=StatementClock(),
        )
        for entry in entries
    ]
    if not rows:
        return

    def write():
        with transaction.atomic():
            _take_the_tenant_s_turn(tenant_id)
            FeedEvent.objects.for_tenant(tenant_id).bulk_create(rows)
            live.announce(tenant_id=tenant_id)

    transaction.on_commit(write, robust=True)
