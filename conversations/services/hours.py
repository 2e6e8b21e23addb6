"""Business hours: is a shop open, and which closed period are we in?"""

import datetime as dt
import zoneinfo

from tenants.business_hours import WEEKDAYS


def _intervals(hours: dict, day: dt.date, tz) -> list[tuple[dt.datetime, dt.datetime]]:
    spans = []
    for opens, closes in hours.get(WEEKDAYS[day.weekday()], []):
        start = dt.datetime.combine(day, dt.time.fromisoformat(opens), tzinfo=tz)
        end = dt.datetime.combine(day, dt.time.fromisoformat(closes), tzinfo=tz)
        spans.append((start, end))
    return spans


def closed_period_start(*, hours: dict, time_zone: str, now: dt.datetime) -> dt.datetime | None:
    """None while the shop is open; otherwise when the current closed period began
    (the end of the last opening interval, or a week back when there was none).

    The start identifies the period: one auto-reply per conversation per period.
    """
    if not hours:
        return None  # no hours configured: always open, never auto-reply
    tz = zoneinfo.ZoneInfo(time_zone)
    local = now.astimezone(tz)
    last_close = None
    for days_back in range(8):
        day = local.date() - dt.timedelta(days=days_back)
        for start, end in sorted(_intervals(hours, day, tz), reverse=True):
            if start <= local < end:
                return None
            if end <= local and (last_close is None or end > last_close):
                last_close = end
        if last_close is not None:
            break
    if last_close is None:
        last_close = dt.datetime.combine(local.date() - dt.timedelta(days=7), dt.time(), tzinfo=tz)
    return last_close.astimezone(dt.UTC)
