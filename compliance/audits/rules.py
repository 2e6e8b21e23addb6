"""The rules of audit requests, as pure functions of the dates and of ``now``.

Notice. An audit is proposed (by the tenant, or by the platform in a counter-
proposal) for a date at least ``AUDIT_REQUEST_NOTICE_DAYS`` (30) calendar days
after today, "today" being the date in the platform's privacy time zone
(``PRIVACY_TIME_ZONE``), the zone of its contracts. The count is in calendar
dates, so a change of daylight-saving time in between changes nothing: filed at
00:30 on 11 March in Paris (23:30 UTC on 10 March), the earliest date is
10 April.

One per calendar year. A request counts for the year in which its audit takes
place, not the year it was filed: the agreed date once accepted; before that
the date on the table (the platform's counter date while one is proposed, else
the tenant's proposed date). So a request filed in December 2026 for
10 January 2027 counts for 2027, and an audit held on 20 December 2026 does
not stop one on 10 January 2027. Every request that is not cancelled counts,
whatever its state (proposed, counter-proposed, accepted, held already);
a cancelled one frees its year.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from compliance.models import AuditRequest


@dataclass(frozen=True)
class Refusal:
    """Why a date or a step is refused: a code for the audit log, words for the tenant."""

    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        words = MESSAGES.get(self.code)
        return words(self.params) if words else _("This is not possible.")


def _day(value) -> str:
    return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT") if value else "?"


MESSAGES = {
    "notice_too_short": lambda p: (
        _(
            "An audit needs at least %(days)s days' notice: the earliest date you can "
            "propose today is %(earliest)s."
        )
        % {"days": p.get("days"), "earliest": _day(p.get("earliest"))}
    ),
    "one_per_year": lambda p: (
        _(
            "Your workspace can have one audit per calendar year, and %(year)s already has one "
            "(for %(other)s). Cancel that request first, or propose a date in another year."
        )
        % {"year": p.get("year"), "other": _day(p.get("other"))}
    ),
    "date_passed": lambda p: (
        _("The date %(date)s has passed: propose another date instead.")
        % {"date": _day(p.get("date"))}
    ),
    "already_held": lambda p: (
        _(
            "The audit's date (%(date)s) has come: a held audit stays on record and cannot be "
            "cancelled."
        )
        % {"date": _day(p.get("date"))}
    ),
    "wrong_state": lambda p: _("This audit request cannot be changed this way any more."),
    "not_allowed": lambda p: _("Only the workspace's owners can request an audit."),
}


def local_today(now: dt.datetime) -> dt.date:
    """Today's date in the platform's privacy time zone."""
    return now.astimezone(zoneinfo.ZoneInfo(settings.PRIVACY_TIME_ZONE)).date()


def earliest_date(now: dt.datetime) -> dt.date:
    return local_today(now) + dt.timedelta(days=settings.AUDIT_REQUEST_NOTICE_DAYS)


def notice_refusal(date: dt.date, *, now: dt.datetime) -> Refusal | None:
    earliest = earliest_date(now)
    if date < earliest:
        return Refusal(
            "notice_too_short",
            {"days": settings.AUDIT_REQUEST_NOTICE_DAYS, "earliest": earliest.isoformat()},
        )
    return None


def audit_date(request: AuditRequest) -> dt.date:
    """The date the audit takes place, as far as it is known (see the module)."""
    if request.state == AuditRequest.State.ACCEPTED and request.agreed_date:
        return request.agreed_date
    if request.state == AuditRequest.State.COUNTER_PROPOSED and request.counter_date:
        return request.counter_date
    return request.agreed_date or request.proposed_date


def year_refusal(date: dt.date, *, others: Iterable[AuditRequest]) -> Refusal | None:
    """``others``: the tenant's other requests (not the one being decided)."""
    for other in others:
        if other.state == AuditRequest.State.CANCELLED:
            continue
        taken = audit_date(other)
        if taken.year == date.year:
            return Refusal("one_per_year", {"year": date.year, "other": taken.isoformat()})
    return None


def proposal_refusal(
    date: dt.date, *, now: dt.datetime, others: Iterable[AuditRequest]
) -> Refusal | None:
    """A new date, proposed by either side: enough notice, and a free year."""
    return notice_refusal(date, now=now) or year_refusal(date, others=others)


def acceptance_refusal(
    date: dt.date, *, now: dt.datetime, others: Iterable[AuditRequest]
) -> Refusal | None:
    """Accepting the date on the table: it had its notice when proposed, so only
    a date already passed is refused (and the year, checked again)."""
    if date < local_today(now):
        return Refusal("date_passed", {"date": date.isoformat()})
    return year_refusal(date, others=others)
