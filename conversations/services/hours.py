"""Business hours: is a shop open, and which closed period are we in?"""

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from instaply.errors import Invalid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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


DAY_NAMES = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class HoursProblem:
    """One thing wrong in a shop's hours, said for the person who typed them.
    ``day`` and ``opening`` (0 for the first opening of the day) say where."""

    message: str
    day: str | None = None
    opening: int | None = None


def business_hours_problems(hours) -> list[HoursProblem]:
    """What is wrong in {"mon": [["09:00", "12:30"], ["14:00", "19:00"]], ...}
    (a missing day is closed), in the reader's language; empty when all is well."""
    if not isinstance(hours, dict):
        return [
            HoursProblem(
                _('Give the business hours by day of the week, e.g. {"mon": [["09:00", "18:00"]]}.')
            )
        ]
    problems = []
    for day, openings in hours.items():
        if day not in WEEKDAYS:
            problems.append(
                HoursProblem(
                    _(
                        "“%(day)s” is not a day of the week: use mon, tue, wed, thu, fri, "
                        "sat or sun."
                    )
                    % {"day": day}
                )
            )
            continue
        name = DAY_NAMES[day]
        if not isinstance(openings, list):
            problems.append(
                HoursProblem(
                    _('%(day)s: give a list of openings, e.g. [["09:00", "12:30"]].')
                    % {"day": name},
                    day,
                )
            )
            continue
        previous_close = None
        for index, opening in enumerate(openings):
            if (
                not isinstance(opening, list | tuple)
                or len(opening) != 2
                or not all(isinstance(t, str) and _HHMM.match(t) for t in opening)
            ):
                problems.append(
                    HoursProblem(
                        _(
                            "%(day)s: each opening is an opening and a closing time in 24-hour "
                            'format, e.g. ["09:00", "18:00"].'
                        )
                        % {"day": name},
                        day,
                        index,
                    )
                )
                continue
            opens, closes = (dt.time.fromisoformat(t) for t in opening)
            if opens >= closes:
                problems.append(
                    HoursProblem(
                        _(
                            "%(day)s: the closing time (%(closes)s) must be after the opening "
                            "time (%(opens)s)."
                        )
                        % {"day": name, "opens": opening[0], "closes": opening[1]},
                        day,
                        index,
                    )
                )
            elif previous_close and opens < previous_close:
                problems.append(
                    HoursProblem(
                        _(
                            "%(day)s: the second opening (from %(opens)s) must start after the "
                            "first one closes (%(closed)s)."
                        )
                        % {
                            "day": name,
                            "opens": opening[0],
                            "closed": previous_close.strftime("%H:%M"),
                        },
                        day,
                        index,
                    )
                )
            previous_close = closes
    return problems


def business_hours_validate(hours) -> dict:
    """The hours unchanged, or Invalid listing every problem (each said once)."""
    problems = business_hours_problems(hours)
    if problems:
        raise Invalid(
            _("Some business hours are not valid."),
            fields={"business_hours": [problem.message for problem in problems]},
        )
    return hours
