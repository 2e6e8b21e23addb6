"""The flush: pending analytics rows leave in batches through the official
``mixpanel`` client, or, with no MIXPANEL_TOKEN (the embedded default), go to
the local recording sink and never leave the machine.

Each batch is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED``, so two flushes
at once share the work instead of doubling it, and is marked sent only after
Mixpanel answered ``{"status": 1}``. A crash between that answer and our commit
sends the batch again; its ``$insert_id``s make Mixpanel count it once. A
failure leaves the rows pending with a growing delay before their next try.
"""

import datetime as dt
import json
from urllib.parse import urlsplit

import mixpanel
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analytics.models import AnalyticsEvent
from analytics.pseudonyms import secrets_purge
from audit.actions import ANALYTICS_EVENTS_SENT
from audit.recorder import Actor, record

BATCH = 50  # Mixpanel's /track takes at most 50 events a request
MAX_BATCHES = 20  # per flush: a backlog drains over a few runs, never in one long task
REQUEST_TIMEOUT = 10  # seconds
MAX_DELAY = dt.timedelta(hours=1)
# Mixpanel's /track refuses events older than five days: a row that could not
# leave by then is dropped by the purge.
TRACK_WINDOW = dt.timedelta(days=5)
State = AnalyticsEvent.State


class _Capture:
    """A consumer in front of the real one (or of none: the local sink) that keeps
    each event exactly as the client serialised it, for the console to show."""

    def __init__(self, inner=None):
        self.inner, self.messages = inner, []

    def send(self, endpoint, json_message, api_key=None, api_secret=None):
        self.messages.append(json.loads(json_message))
        if self.inner is not None:
            self.inner.send(endpoint, json_message, api_key, api_secret)

    def flush(self):
        if self.inner is not None:
            self.inner.flush()


def _consumer():
    if not settings.MIXPANEL_TOKEN:
        return _Capture()
    base = settings.MIXPANEL_API_URL.rstrip("/")
    inner = mixpanel.BufferedConsumer(
        max_size=BATCH,
        events_url=f"{base}/track",
        import_url=f"{base}/import",
        request_timeout=REQUEST_TIMEOUT,
        retry_limit=1,  # our own delay between tries does the rest
    )
    return _Capture(inner)


def destination() -> str:
    """Where events go, as the console says it: Mixpanel's host, or the local sink."""
    return urlsplit(settings.MIXPANEL_API_URL).netloc if settings.MIXPANEL_TOKEN else ""


def retry_delay(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=1) * 2 ** max(attempts - 1, 0), MAX_DELAY)


def _send_batch(now) -> tuple[int, bool]:
    """(rows done, whether to go on)."""
    with transaction.atomic():
        rows = list(
            AnalyticsEvent.objects.select_for_update(skip_locked=True)
            .filter(state=State.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:BATCH]
        )
        if not rows:
            return 0, False
        consumer = _consumer()
        client = mixpanel.Mixpanel(settings.MIXPANEL_TOKEN, consumer=consumer)
        try:
            for row in rows:
                client.track(row.distinct_id, row.name, _properties(row))
            consumer.flush()
        except mixpanel.MixpanelException as exc:
            _postpone(rows, now, exc)
            return 0, False
        state = State.SENT if settings.MIXPANEL_TOKEN else State.RECORDED
        for row, payload in zip(rows, consumer.messages, strict=True):
            row.state, row.payload, row.done_at = state, payload, now
            row.attempts += 1
        AnalyticsEvent.objects.bulk_update(rows, ["state", "payload", "done_at", "attempts"])
    return len(rows), len(rows) == BATCH


def _properties(row: AnalyticsEvent) -> dict:
    # Our time (the hour) and insert id replace the client's own (now, random).
    return {
        **row.properties,
        "time": int(row.occurred_hour.timestamp()),
        "$insert_id": row.insert_id,
    }


def _postpone(rows, now, exc) -> None:
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + retry_delay(row.attempts)
        row.last_error = str(exc)[:200]
    AnalyticsEvent.objects.bulk_update(rows, ["attempts", "next_attempt_at", "last_error"])


def events_flush(*, now=None) -> int:
    """Sends what is due; returns how many rows were sent or recorded."""
    now = now or timezone.now()
    done = 0
    for _ in range(MAX_BATCHES):
        count, more = _send_batch(now)
        done += count
        if not more:
            break
    if done:
        record(
            ANALYTICS_EVENTS_SENT,
            actor=Actor.system("analytics"),
            metadata={"events": done, "destination": destination() or "local_sink"},
        )
    return done


def events_purge(*, now=None) -> dict[str, int]:
    """Deletes sent and recorded rows past ANALYTICS_SENT_KEEP_DAYS, pending rows
    too old for Mixpanel to take, and the pseudonym secrets of past months."""
    now = now or timezone.now()
    kept_from = now - dt.timedelta(days=settings.ANALYTICS_SENT_KEEP_DAYS)
    done, _ = AnalyticsEvent.objects.filter(
        state__in=(State.SENT, State.RECORDED), done_at__lt=kept_from
    ).delete()
    expired, _ = AnalyticsEvent.objects.filter(
        state=State.PENDING, occurred_hour__lt=now - TRACK_WINDOW
    ).delete()
    return {"done": done, "expired": expired, "secrets": secrets_purge(now=now)}
