"""A shop's business hours as people type them: checked with one message per
problem, in the reader's language. The Shop (tenants) owns its hours; the
inbox reads them (conversations.services.hours)."""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from instaply.errors import Invalid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

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
