"""What the widget says about the shop's availability: open or closed now (its
business hours), when it opens again, and how fast it usually replies.

"Usually" is measured: the median first response of the shop's recent
conversations, counting only the time the shop was open (a text at midnight
answered at 9:00 sharp was answered at once). Too few answered conversations
and the widget says the cautious "within a few hours". The measure is cached
per shop for a few minutes: the widget's settings are public and fetched at
every opening, the measure reads message timestamps (never their content).
"""

import datetime as dt
import statistics
import zoneinfo

from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from conversations.models import Conversation, Message
from conversations.services.hours import closed_period_start
from tenants.business_hours import WEEKDAYS

MEASURE_DAYS = 30
MEASURE_CONVERSATIONS = 100
MIN_SAMPLES = 5
CACHE_SECONDS = 600
# The widget's words for each (conversations.widget.language): the first bound the median fits.
BUCKETS = (
    (5 * 60, "minutes"),
    (15 * 60, "quarter"),
    (60 * 60, "hour"),
    (4 * 3600, "hours"),
)
SLOWEST, CAUTIOUS = "day", "hours"


def _openings(hours: dict, day: dt.date, tz) -> list[tuple[dt.datetime, dt.datetime]]:
    return [
        (
            dt.datetime.combine(day, dt.time.fromisoformat(opens), tzinfo=tz),
            dt.datetime.combine(day, dt.time.fromisoformat(closes), tzinfo=tz),
        )
        for opens, closes in hours.get(WEEKDAYS[day.weekday()], [])
    ]


def next_opening(*, hours: dict, time_zone: str, now: dt.datetime) -> dt.datetime | None:
    """When the shop opens next (UTC), or None while it is open, when it has no
    hours (always open) or no opening in the coming week."""
    if closed_period_start(hours=hours, time_zone=time_zone, now=now) is None:
        return None
    tz = zoneinfo.ZoneInfo(time_zone)
    local = now.astimezone(tz)
    for days in range(8):
        starts = [
            start
            for start, _end in _openings(hours, local.date() + dt.timedelta(days=days), tz)
            if start > local
        ]
        if starts:
            return min(starts).astimezone(dt.UTC)
    return None


def open_seconds_between(
    *, hours: dict, time_zone: str, start: dt.datetime, end: dt.datetime
) -> float:
    """Seconds between start and end during which the shop was open (all of
    them when it has no hours)."""
    if end <= start:
        return 0.0
    if not hours:
        return (end - start).total_seconds()
    tz = zoneinfo.ZoneInfo(time_zone)
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    total, day = 0.0, first - dt.timedelta(days=1)
    # Bounded: a first response later than a month counts as a month.
    while day <= min(last, first + dt.timedelta(days=MEASURE_DAYS)):
        for opens, closes in _openings(hours, day, tz):
            overlap = (min(closes, end) - max(opens, start)).total_seconds()
            total += max(overlap, 0.0)
        day += dt.timedelta(days=1)
    return total


def reply_bucket(seconds: float | None) -> str:
    if seconds is None:
        return CAUTIOUS
    for bound, name in BUCKETS:
        if seconds <= bound:
            return name
    return SLOWEST


def _first_responses(shop, now: dt.datetime) -> list[float]:
    """Open-time seconds to the first staff reply, for the shop's newest answered
    conversations of the last month. Timestamps only; two index lookups a
    conversation (message_tenant_thread)."""
    messages = Message.objects.for_tenant(shop.tenant_id).filter(conversation=OuterRef("pk"))
    first_in = messages.filter(direction=Message.Direction.INBOUND).order_by("id")
    first_reply = messages.filter(sender_kind=Message.SenderKind.MEMBER).order_by("id")
    rows = (
        Conversation.objects.for_tenant(shop.tenant_id)
        .filter(
            shop=shop,
            inbound_count__gt=0,
            created_at__gte=now - dt.timedelta(days=MEASURE_DAYS),
        )
        .annotate(
            first_in=Subquery(first_in.values("created_at")[:1]),
            first_reply=Subquery(first_reply.values("created_at")[:1]),
        )
        .order_by("-id")
        .values_list("first_in", "first_reply")[:MEASURE_CONVERSATIONS]
    )
    return [
        open_seconds_between(
            hours=shop.business_hours, time_zone=shop.time_zone, start=asked, end=answered
        )
        for asked, answered in rows
        if asked and answered and answered >= asked
    ]


def typical_reply(shop, *, now: dt.datetime | None = None) -> str:
    """The shop's usual first-response bucket (BUCKETS' names), measured."""
    now = now or timezone.now()
    samples = _first_responses(shop, now)
    if len(samples) < MIN_SAMPLES:
        return CAUTIOUS
    return reply_bucket(statistics.median(samples))


def availability(shop, *, now: dt.datetime | None = None) -> dict:
    """{"open": bool, "back_at": UTC datetime or None, "reply_within": bucket}."""
    now = now or timezone.now()
    key = f"widget:reply-within:{shop.tenant_id}:{shop.pk}"
    within = cache.get(key)
    if within is None:
        within = typical_reply(shop, now=now)
        cache.set(key, within, CACHE_SECONDS)
    closed = closed_period_start(hours=shop.business_hours, time_zone=shop.time_zone, now=now)
    return {
        "open": closed is None,
        "back_at": next_opening(hours=shop.business_hours, time_zone=shop.time_zone, now=now),
        "reply_within": within,
    }
