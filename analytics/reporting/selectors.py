"""Reads of the reporting database for the console: the extract's state, as counts."""

import datetime as dt
from dataclasses import dataclass

from analytics.reporting.extract import FORGOTTEN_KEEP, SETTLE
from analytics.reporting.models import ConversationFact, ExtractMark, ForgottenKey, MessageFact


@dataclass(frozen=True)
class MarkStatus:
    name: str
    last_run_at: dt.datetime | None
    # New rows: the time the mark has reached, and how far behind the settled time.
    reached_at: dt.datetime | None = None
    lag_minutes: int | None = None
    # Changes: the feed entries not read yet.
    entries_behind: int | None = None


@dataclass(frozen=True)
class ExtractStatus:
    marks: list[MarkStatus]
    conversation_facts: int
    message_facts: int
    keys_forgotten: int
    forgotten_days: int
    last_run_at: dt.datetime | None


def _newest_feed_seq() -> int:
    from conversations.models import FeedEvent

    newest = (
        FeedEvent.objects.dangerously_unscoped(
            reason="the console shows how far the reporting extract is behind the whole feed"
        )
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return newest or 0


def extract_status(*, now: dt.datetime) -> ExtractStatus:
    marks = {mark.name: mark for mark in ExtractMark.objects.all()}
    settled = now - SETTLE
    statuses = []
    for name in ExtractMark.Name.values:
        mark = marks.get(name)
        position, last_run = (mark.position, mark.last_run_at) if mark else (0, None)
        if name == ExtractMark.Name.CHANGES:
            behind = max(0, _newest_feed_seq() - position)
            statuses.append(MarkStatus(name, last_run, entries_behind=behind))
            continue
        reached = dt.datetime.fromtimestamp(position / 1000, dt.UTC) if position else None
        lag = (
            max(dt.timedelta(0), settled - reached) // dt.timedelta(minutes=1) if reached else None
        )
        statuses.append(MarkStatus(name, last_run, reached_at=reached, lag_minutes=lag))
    runs = [status.last_run_at for status in statuses if status.last_run_at]
    return ExtractStatus(
        marks=statuses,
        conversation_facts=ConversationFact.objects.count(),
        message_facts=MessageFact.objects.count(),
        keys_forgotten=ForgottenKey.objects.filter(
            forgotten_hour__gte=now - FORGOTTEN_KEEP
        ).count(),
        forgotten_days=FORGOTTEN_KEEP.days,
        last_run_at=max(runs) if runs else None,
    )
