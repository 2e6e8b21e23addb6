"""Reads of the analytics rows, for the console and the settings page. The rows
name no tenant (a pseudonym only), so there is nothing to scope."""

import datetime as dt

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from analytics.events import ALLOWLIST
from analytics.models import AnalyticsEvent

LATEST = 30


def event_counts(*, now=None) -> dict:
    """Per event name, per state, over the days rows are kept; every allowlisted
    event listed, so a zero is visible too."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.ANALYTICS_SENT_KEEP_DAYS)
    rows = (
        AnalyticsEvent.objects.filter(created_at__gte=since)
        .values("name", "state")
        .annotate(n=Count("id"))
    )
    counts = {name: dict.fromkeys(AnalyticsEvent.State.values, 0) for name in ALLOWLIST}
    for row in rows:
        counts.setdefault(row["name"], dict.fromkeys(AnalyticsEvent.State.values, 0))
        counts[row["name"]][row["state"]] = row["n"]
    return {"since": since, "by_event": counts}


def latest_payloads(limit: int = LATEST) -> list[AnalyticsEvent]:
    """The last rows that left (or were recorded), newest first, with their payloads."""
    done = AnalyticsEvent.objects.exclude(state=AnalyticsEvent.State.PENDING)
    # analytics_done index: (state, done_at).
    return list(done.order_by("-done_at", "-id")[:limit])
