"""The 72-working-hour clock of data-subject requests.

Only the hours of working days count: Monday to Friday, minus the public
holidays of ``PRIVACY_HOLIDAYS_COUNTRY`` (the ``holidays`` package), in the
platform's ``PRIVACY_TIME_ZONE``. Every hour of such a day counts, night
included: the promise is about days the DPO works, not office hours. A day of a
daylight-saving change counts the hours it really has (23 or 25).

The clock runs from receipt, stops while the request is paused (waiting on the
tenant) and runs again when it resumes. ``deadline`` takes the history of those
events and ``now`` and returns the due time and the working time left; it
reads no clock of its own, so tests control time completely.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

RECEIVED = "received"
PAUSED = "paused"
RESUMED = "resumed"
BUDGET = dt.timedelta(hours=72)


@dataclass(frozen=True)
class ClockEvent:
    kind: str  # RECEIVED, PAUSED or RESUMED
    at: dt.datetime  # aware


@dataclass(frozen=True)
class Deadline:
    # None while paused: the due time is not known until the tenant answers.
    due_at: dt.datetime | None
    # Working time left at ``now``; negative once overdue.
    remaining: dt.timedelta
    # Working time used so far.
    used: dt.timedelta
    paused: bool

    @property
    def overdue(self) -> bool:
        return self.remaining < dt.timedelta(0)

    @property
    def used_fraction(self) -> float:
        return self.used / BUDGET


class WorkingCalendar:
    def __init__(self, *, time_zone: str, country: str):
        self.zone = ZoneInfo(time_zone)
        self.country = country

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in _holidays(self.country, day.year)

    def _day_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(day, dt.time(0), self.zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), self.zone)
        return start, end

    def working_time(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time between two instants (zero if ``end`` is not after ``start``)."""
        total = dt.timedelta(0)
        day = start.astimezone(self.zone).date()
        while True:
            day_start, day_end = self._day_bounds(day)
            if day_start >= end:
                return total
            if self.is_working_day(day):
                overlap = min(end, day_end) - max(start, day_start)
                if overlap > dt.timedelta(0):
                    total += overlap
            day += dt.timedelta(days=1)

    def add_working_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """The instant at which ``amount`` of working time has passed since ``start``."""
        left = amount
        moment = start
        day = start.astimezone(self.zone).date()
        while True:
            day_start, day_end = self._day_bounds(day)
            if self.is_working_day(day):
                begin = max(moment, day_start)
                available = day_end - begin
                if left <= available:
                    return (begin + left).astimezone(dt.UTC)
                left -= available
            day += dt.timedelta(days=1)


@lru_cache(maxsize=64)
def _holidays(country: str, year: int):
    return holidays.country_holidays(country, years=year)


def platform_calendar() -> WorkingCalendar:
    return WorkingCalendar(
        time_zone=settings.PRIVACY_TIME_ZONE, country=settings.PRIVACY_HOLIDAYS_COUNTRY
    )


def deadline(
    events: Iterable[ClockEvent],
    *,
    now: dt.datetime,
    calendar: WorkingCalendar | None = None,
    budget: dt.timedelta = BUDGET,
) -> Deadline:
    """The due time and working time left of a request with this clock history.

    The history starts with RECEIVED; PAUSED and RESUMED alternate after it
    (a repeated PAUSED or RESUMED changes nothing). Events after ``now`` are
    ignored: they have not happened yet.
    """
    calendar = calendar or platform_calendar()
    history = sorted((e for e in events if e.at <= now), key=lambda e: e.at)
    if not history or history[0].kind != RECEIVED:
        raise ValueError("A request's clock starts with its receipt.")
    used_before = dt.timedelta(0)  # working time of the closed running intervals
    # The instant the budget ran out, when that happened before a pause: a request
    # paused once overdue stays due when it was due, not at a time its resumption makes up.
    passed_at: dt.datetime | None = None
    running_since: dt.datetime | None = history[0].at
    for event in history[1:]:
        if event.kind == PAUSED and running_since is not None:
            spent = calendar.working_time(running_since, event.at)
            if passed_at is None and used_before + spent >= budget:
                passed_at = calendar.add_working_time(running_since, budget - used_before)
            used_before += spent
            running_since = None
        elif event.kind == RESUMED and running_since is None:
            running_since = event.at
    if running_since is None:
        return Deadline(due_at=None, remaining=budget - used_before, used=used_before, paused=True)
    used = used_before + calendar.working_time(running_since, now)
    due_at = passed_at or calendar.add_working_time(running_since, budget - used_before)
    return Deadline(due_at=due_at, remaining=budget - used, used=used, paused=False)
