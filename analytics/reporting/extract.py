"""The incremental extract: main database -> reporting database, by batches.

Three marks (analytics.reporting.models.ExtractMark), each written in the
transaction of the facts it covers and locked by the batch that moves it:

- ``conversations`` and ``messages``: new rows, read in order of their UUIDv7
  ids. The mark is the millisecond of the last id covered, so it names no row;
  a batch never ends inside a millisecond, so none is skipped or read twice.
- ``changes``: the live feed (conversations.FeedEvent, global ``seq``). Every
  status change, assignment and message of a conversation publishes an entry,
  so the conversations it names are read again (status, closing hour, first
  response). The feed keeps a conversation's entries as long as the
  conversation (they go with it, by erasure or retention, and are not pruned
  otherwise), so an extract that falls behind loses nothing it may still
  report: it only catches up later. An entry lost before it was written (a
  process dying between a commit and its on-commit write) leaves that
  conversation's fact stale until its next change; ``reporting_extract
  --rebuild`` reads everything again.

Rows are read only once settled (SETTLE old): a transaction that took a
smaller id or sequence number and commits later is still seen. Every batch
upserts by opaque key, so a batch read twice changes nothing, and skips the
keys forgotten meanwhile (analytics.reporting.forget). The source columns are
named in the ``*_COLUMNS`` lists below, never whole rows
(analytics/reporting/tests/test_schema.py checks every SELECT).
"""

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.db.models import Min
from django.db.models.fields.json import KT
from django.utils import timezone

from analytics.reporting import keys
from analytics.reporting.models import ConversationFact, ExtractMark, ForgottenKey, MessageFact
from analytics.reporting.router import REPORTING_DB

SETTLE = dt.timedelta(seconds=60)
BATCH = 1000
# Forgotten keys guard against a batch read before a deletion; a week is ample.
FORGOTTEN_KEEP = dt.timedelta(days=7)

CONVERSATION_COLUMNS = (
    "id", "tenant_id", "shop_id", "channel", "status", "created_at", "last_activity_at",
)  # fmt: skip
MESSAGE_COLUMNS = (
    "id", "tenant_id", "conversation_id", "conversation__shop_id", "conversation__channel",
    "direction", "sender_kind", "created_at",
)  # fmt: skip
FIRST_RESPONSE_COLUMNS = ("conversation_id", "created_at")
CHANGE_COLUMNS = ("seq", "conversation_id", "created_at", "payload__status")

Progress = Callable[[str, int, int], None]
Name = ExtractMark.Name


def hour(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _ms(value: uuid.UUID) -> int:
    return value.int >> 80  # UUIDv7: the first 48 bits are Unix milliseconds


def _floor(ms: int) -> uuid.UUID:
    return uuid.UUID(int=ms << 80)


def _sources():
    from conversations.models import Conversation, FeedEvent, Message

    return Conversation, Message, FeedEvent


def _locked_mark(name: str) -> ExtractMark:
    ExtractMark.objects.get_or_create(name=name)
    return ExtractMark.objects.select_for_update().get(name=name)


def _not_forgotten(facts: list) -> list:
    forgotten = set(
        ForgottenKey.objects.filter(key__in=[f.key for f in facts]).values_list("key", flat=True)
    )
    return [f for f in facts if f.key not in forgotten]


def _upsert(model, facts: list) -> int:
    facts = _not_forgotten(facts)
    fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
    model.objects.bulk_create(
        facts, update_conflicts=True, unique_fields=["key"], update_fields=fields
    )
    return len(facts)


def _new_rows(queryset, columns, mark: int, bound: int, size: int) -> tuple[list[dict], int]:
    """The next rows after millisecond ``mark`` up to ``bound``, and the new mark."""
    window = queryset.filter(id__gte=_floor(mark + 1), id__lt=_floor(bound + 1)).order_by("id")
    rows = list(window.values(*columns)[:size])
    if len(rows) < size:
        return rows, bound
    last = _ms(rows[-1]["id"])
    if _ms(rows[0]["id"]) == last:
        # A whole batch in one millisecond: that millisecond whole, however long.
        same = queryset.filter(id__gte=_floor(last), id__lt=_floor(last + 1)).order_by("id")
        return list(same.values(*columns)), last
    return [row for row in rows if _ms(row["id"]) < last], last - 1


# Conversations ------------------------------------------------------------------------


def _conversation_facts(rows: list[dict], closed_at: dict | None = None) -> list:
    """Facts of these conversation rows; ``closed_at``: closing times seen in the feed."""
    Conversation, Message, _ = _sources()
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    first_replies = dict(
        Message.objects.dangerously_unscoped(
            reason="the reporting extract reads every tenant's rows into opaque facts"
        )
        .filter(conversation_id__in=ids, direction="outbound", sender_kind="member")
        .order_by()
        .values(FIRST_RESPONSE_COLUMNS[0])
        .annotate(first=Min(FIRST_RESPONSE_COLUMNS[1]))
        .values_list(FIRST_RESPONSE_COLUMNS[0], "first")
    )
    conversation_keys = {row["id"]: keys.opaque_key(keys.CONVERSATION, row["id"]) for row in rows}
    closed_before = dict(
        ConversationFact.objects.filter(
            key__in=conversation_keys.values(), closed_hour__isnull=False
        ).values_list("key", "closed_hour")
    )
    facts = []
    for row in rows:
        key = conversation_keys[row["id"]]
        first = first_replies.get(row["id"])
        closed = None
        if row["status"] == Conversation.Status.CLOSED:
            seen = (closed_at or {}).get(row["id"])
            closed = hour(seen) or closed_before.get(key) or hour(row["last_activity_at"])
        facts.append(
            ConversationFact(
                key=key,
                tenant_key=keys.opaque_key(keys.TENANT, row["tenant_id"]),
                shop_key=keys.opaque_key(keys.SHOP, row["shop_id"]),
                channel=row["channel"],
                status=row["status"],
                opened_hour=hour(row["created_at"]),
                first_response_seconds=(
                    max(0, int((first - row["created_at"]).total_seconds())) if first else None
                ),
                closed_hour=closed,
            )
        )
    return facts


def _conversations_batch(bound: int, size: int) -> int | None:
    Conversation, _, _ = _sources()
    return _new_rows_batch(
        Name.CONVERSATIONS,
        (Conversation, CONVERSATION_COLUMNS),
        (ConversationFact, _conversation_facts),
        bound,
        size,
    )


def _new_rows_batch(name, source_of, facts_of, bound: int, size: int) -> int | None:
    """One batch of new source rows into facts, with the mark that covers them, in
    one transaction of the reporting database; None when the mark reached ``bound``."""
    (model, columns), (fact_model, to_facts) = source_of, facts_of
    with transaction.atomic(using=REPORTING_DB):
        mark = _locked_mark(name)
        if mark.position >= bound:
            return None
        source = model.objects.dangerously_unscoped(
            reason="the reporting extract reads every tenant's rows into opaque facts"
        )
        rows, mark.position = _new_rows(source, columns, mark.position, bound, size)
        written = _upsert(fact_model, to_facts(rows))
        mark.last_run_at = timezone.now()
        mark.save()
    return written


# Messages -----------------------------------------------------------------------------


def _message_facts(rows: list[dict]) -> list:
    return [
        MessageFact(
            key=keys.opaque_key(keys.MESSAGE, row["id"]),
            tenant_key=keys.opaque_key(keys.TENANT, row["tenant_id"]),
            shop_key=keys.opaque_key(keys.SHOP, row["conversation__shop_id"]),
            conversation_key=keys.opaque_key(keys.CONVERSATION, row["conversation_id"]),
            channel=row["conversation__channel"],
            direction=row["direction"],
            sender_kind=row["sender_kind"],
            hour=hour(row["created_at"]),
        )
        for row in rows
    ]


def _messages_batch(bound: int, size: int) -> int | None:
    _, Message, _ = _sources()
    return _new_rows_batch(
        Name.MESSAGES, (Message, MESSAGE_COLUMNS), (MessageFact, _message_facts), bound, size
    )


# Changes (the live feed) ----------------------------------------------------------------


def _changes_batch(settled: dt.datetime, size: int) -> int | None:
    Conversation, _, FeedEvent = _sources()
    with transaction.atomic(using=REPORTING_DB):
        mark = _locked_mark(Name.CHANGES)
        entries = list(
            FeedEvent.objects.dangerously_unscoped(
                reason="the reporting extract reads every tenant's rows into opaque facts"
            )
            .filter(seq__gt=mark.position, created_at__lte=settled)
            .order_by("seq")
            .values(*CHANGE_COLUMNS[:3], status=KT(CHANGE_COLUMNS[3]))[:size]
        )
        if not entries:
            return None
        closed_at = {
            entry["conversation_id"]: entry["created_at"]
            for entry in entries
            if entry["status"] == Conversation.Status.CLOSED
        }
        rows = list(
            Conversation.objects.dangerously_unscoped(
                reason="the reporting extract reads every tenant's rows into opaque facts"
            )
            .filter(pk__in={entry["conversation_id"] for entry in entries})
            .values(*CONVERSATION_COLUMNS)
        )
        written = _upsert(ConversationFact, _conversation_facts(rows, closed_at))
        mark.position = entries[-1]["seq"]
        mark.last_run_at = timezone.now()
        mark.save()
    return written


# The run ----------------------------------------------------------------------------------


def extract_run(
    *,
    now: dt.datetime | None = None,
    batch: int = BATCH,
    max_batches: int | None = None,
    progress: Progress | None = None,
) -> Counter:
    """Extracts what settled since the marks; returns the facts written per mark.
    ``max_batches`` bounds the run (the next run goes on from its marks)."""
    now = now or timezone.now()
    settled = now - SETTLE
    bound = int(settled.timestamp() * 1000)
    steps = {
        Name.CONVERSATIONS: lambda: _conversations_batch(bound, batch),
        Name.MESSAGES: lambda: _messages_batch(bound, batch),
        Name.CHANGES: lambda: _changes_batch(settled, batch),
    }
    written: Counter = Counter()
    batches = 0
    for name, step in steps.items():
        while max_batches is None or batches < max_batches:
            count = step()
            if count is None:
                break
            batches += 1
            written[str(name)] += count
            if progress is not None:
                progress(str(name), written[str(name)], batches)
    ForgottenKey.objects.filter(forgotten_hour__lt=now - FORGOTTEN_KEEP).delete()
    written = +written  # only the marks that wrote something
    if written:
        _record_extracted(written)
    return written


def _record_extracted(written: Counter) -> None:
    from audit import actions
    from audit.recorder import Actor, record

    record(
        actions.REPORTING_EXTRACTED,
        actor=Actor.system("reporting_extract"),
        metadata={f"{name}_facts": count for name, count in sorted(written.items())},
    )


def extract_rebuild() -> None:
    """Sets every mark back to the start: the next run reads everything again
    (upserts: nothing is duplicated)."""
    ExtractMark.objects.update(position=0)
