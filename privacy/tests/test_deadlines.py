"""The 72-working-hour clock: one function, the clock and the history given.

The platform calendar here is France in Europe/Paris (the defaults). 2026-12-01
is a Tuesday; Christmas Day (Friday 25 December 2026) and New Year's Day
(Friday 1 January 2027) are public holidays.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from privacy.deadlines import (
    PAUSED,
    RECEIVED,
    RESUMED,
    ClockEvent,
    WorkingCalendar,
    deadline,
)

PARIS = ZoneInfo("Europe/Paris")
FRANCE = WorkingCalendar(time_zone="Europe/Paris", country="FR")
H = dt.timedelta(hours=1)


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def received(at):
    return [ClockEvent(RECEIVED, at)]


def due(events, now=None):
    return deadline(events, now=now or events[-1].at, calendar=FRANCE)


def test_receipt_on_a_weekday_is_due_three_working_days_later_at_the_same_hour():
    result = due(received(paris(2026, 12, 1, 10, 0)))  # Tuesday 10:00
    assert result.due_at == paris(2026, 12, 4, 10, 0)  # Friday 10:00
    assert result.remaining == 72 * H and not result.paused


def test_receipt_at_night_counts_the_night_of_a_working_day():
    result = due(received(paris(2026, 12, 1, 23, 30)))  # Tuesday 23:30
    assert result.due_at == paris(2026, 12, 4, 23, 30)


def test_receipt_on_friday_evening_skips_the_weekend():
    result = due(received(paris(2026, 12, 4, 18, 0)))  # Friday 18:00: 6 h left that day
    # Monday, Tuesday (48 h) and 18 h of Wednesday.
    assert result.due_at == paris(2026, 12, 9, 18, 0)


def test_receipt_on_a_saturday_starts_the_clock_on_monday_morning():
    result = due(received(paris(2026, 12, 5, 11, 0)))
    assert result.due_at == paris(2026, 12, 10, 0, 0)  # Monday, Tuesday, Wednesday in full
    # Nothing is used during the weekend.
    later = deadline(
        received(paris(2026, 12, 5, 11, 0)), now=paris(2026, 12, 6, 20, 0), calendar=FRANCE
    )
    assert later.used == dt.timedelta(0)


def test_receipt_on_a_public_holiday_starts_the_clock_the_next_working_day():
    # Friday 25 December 2026 is Christmas: the clock starts Monday 28th.
    result = due(received(paris(2026, 12, 25, 9, 0)))
    assert result.due_at == paris(2026, 12, 31, 0, 0)


def test_a_deadline_across_the_year_end_skips_new_years_day():
    # Wednesday 30 December 14:00: 10 h of Wednesday, Thursday 31st (24 h),
    # Friday 1 January is a holiday, the weekend, then 38 h: Monday 4th and 14 h of Tuesday 5th.
    result = due(received(paris(2026, 12, 30, 14, 0)))
    assert result.due_at == paris(2027, 1, 5, 14, 0)


def test_a_pause_over_a_weekend_moves_the_due_time_by_the_paused_working_time():
    start = paris(2026, 12, 3, 9, 0)  # Thursday 09:00
    unpaused = due(received(start)).due_at
    assert unpaused == paris(2026, 12, 8, 9, 0)  # Thu, Fri, Mon -> Tuesday 09:00
    events = [
        ClockEvent(RECEIVED, start),
        ClockEvent(PAUSED, paris(2026, 12, 4, 15, 0)),  # Friday 15:00, 30 h used
        ClockEvent(RESUMED, paris(2026, 12, 7, 9, 0)),  # Monday 09:00
    ]
    result = due(events)
    # Paused: 9 h of Friday and 9 h of Monday are working time; the weekend is not.
    assert result.due_at == unpaused + 18 * H
    assert result.used == 30 * H and result.remaining == 42 * H


def test_while_paused_the_clock_stands_still_and_no_due_time_is_known():
    events = [
        ClockEvent(RECEIVED, paris(2026, 12, 1, 10, 0)),
        ClockEvent(PAUSED, paris(2026, 12, 1, 16, 0)),
    ]
    a_week_later = deadline(events, now=paris(2026, 12, 8, 10, 0), calendar=FRANCE)
    assert a_week_later.paused and a_week_later.due_at is None
    assert a_week_later.remaining == 66 * H


def test_working_time_left_counts_down_and_goes_negative_when_overdue():
    events = received(paris(2026, 12, 1, 10, 0))
    halfway = deadline(events, now=paris(2026, 12, 2, 22, 0), calendar=FRANCE)
    assert halfway.remaining == 36 * H and halfway.used_fraction == 0.5
    late = deadline(events, now=paris(2026, 12, 4, 12, 0), calendar=FRANCE)
    assert late.overdue and late.remaining == -2 * H


def test_a_deadline_across_the_clock_change_keeps_the_local_hour():
    # European clocks change on a Sunday (29 March 2026), never a working day:
    # receipt Friday 27 March 10:00 CET is due Wednesday 1 April 10:00 CEST,
    # 14 h + 24 h + 24 h + 10 h of working time later.
    result = due(received(paris(2026, 3, 27, 10, 0)))
    assert result.due_at == paris(2026, 4, 1, 10, 0)
    assert result.due_at == dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC)


def test_repeated_pauses_and_events_after_now_are_handled():
    events = [
        ClockEvent(RECEIVED, paris(2026, 12, 1, 10, 0)),
        ClockEvent(PAUSED, paris(2026, 12, 1, 12, 0)),
        ClockEvent(PAUSED, paris(2026, 12, 1, 13, 0)),  # ignored: already paused
        ClockEvent(RESUMED, paris(2026, 12, 1, 14, 0)),
        ClockEvent(RESUMED, paris(2026, 12, 1, 15, 0)),  # ignored: already running
        ClockEvent(PAUSED, paris(2026, 12, 9, 0, 0)),  # in the future: ignored
    ]
    result = deadline(events, now=paris(2026, 12, 1, 16, 0), calendar=FRANCE)
    assert result.used == 4 * H
    assert result.due_at == paris(2026, 12, 4, 12, 0)


def test_a_history_must_start_with_the_receipt():
    with pytest.raises(ValueError):
        deadline([ClockEvent(PAUSED, paris(2026, 12, 1))], now=paris(2026, 12, 2), calendar=FRANCE)


def test_the_platform_calendar_comes_from_settings(settings):
    settings.PRIVACY_HOLIDAYS_COUNTRY = "DE"
    settings.PRIVACY_TIME_ZONE = "Europe/Berlin"
    # 3 October is German Unity Day (a Saturday in 2026); 1 May 2026 is a Friday holiday in both.
    result = deadline(received(paris(2026, 4, 30, 0, 0)), now=paris(2026, 4, 30, 0, 0))
    assert result.due_at == paris(2026, 5, 6, 0, 0)  # Thu, (Fri holiday), Mon, Tue


def test_a_request_paused_once_overdue_keeps_the_due_time_it_passed():
    # Received Tuesday 10:00, due Friday 10:00; paused Friday 12:00 (2 h late),
    # resumed the next Tuesday 10:00: still due that Friday 10:00, 3 h late at 11:00.
    events = [
        ClockEvent(RECEIVED, paris(2026, 12, 1, 10, 0)),
        ClockEvent(PAUSED, paris(2026, 12, 4, 12, 0)),
        ClockEvent(RESUMED, paris(2026, 12, 8, 10, 0)),
    ]
    result = deadline(events, now=paris(2026, 12, 8, 11, 0), calendar=FRANCE)
    assert result.due_at == paris(2026, 12, 4, 10, 0)
    assert result.overdue and result.remaining == -3 * H
    # Paused exactly when the time ran out: due at that moment too.
    events[1] = ClockEvent(PAUSED, paris(2026, 12, 4, 10, 0))
    result = deadline(events, now=paris(2026, 12, 8, 11, 0), calendar=FRANCE)
    assert result.due_at == paris(2026, 12, 4, 10, 0) and result.remaining == -1 * H
