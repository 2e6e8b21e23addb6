"""The tenant's report over a period: read from the cycles table (reports.models),
never from messages. Three indexed range reads (cycles opened, first responses,
closings in the period), grouped in the reader's time zone here.

Which day a figure belongs to: opened counts on the day of the opening, a
first-response time on the day of that response, closed and resolution time
on the day of the closing; all in ``zone``. Per agent: openings and closings
count for the conversation's assignee (at the closing; unassigned is a row),
first-response times for the member who gave the response.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from reports.figures import Figures, seconds_between
from reports.models import ConversationCycle

DAY, WEEK = "day", "week"
MAX_DAYS = 366


@dataclass(frozen=True)
class ReportFilters:
    since: dt.date  # first day, inclusive
    until: dt.date  # last day, inclusive
    zone: zoneinfo.ZoneInfo
    by: str = DAY
    shop_id: object = None
    channel: str = ""

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.since, dt.time.min, tzinfo=self.zone)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time.min, tzinfo=self.zone)

    def bucket(self, moment: dt.datetime) -> dt.date:
        day = moment.astimezone(self.zone).date()
        return day - dt.timedelta(days=day.weekday()) if self.by == WEEK else day

    def buckets(self) -> list[dt.date]:
        first, last = self.bucket(self.start), self.until
        step = dt.timedelta(days=7 if self.by == WEEK else 1)
        days = []
        while first <= last:
            days.append(first)
            first += step
        return days


@dataclass
class Report:
    filters: ReportFilters
    total: Figures = field(default_factory=Figures)
    series: dict = field(default_factory=dict)  # bucket start -> Figures
    shops: dict = field(default_factory=dict)  # shop id -> Figures
    channels: dict = field(default_factory=dict)  # channel -> Figures
    agents: dict = field(default_factory=dict)  # membership id (None: unassigned) -> Figures


def report_build(*, tenant, filters: ReportFilters) -> Report:
    report = Report(filters=filters, series={day: Figures() for day in filters.buckets()})
    cycles = ConversationCycle.objects.for_tenant(tenant)
    if filters.shop_id:
        cycles = cycles.filter(shop_id=filters.shop_id)
    if filters.channel:
        cycles = cycles.filter(channel=filters.channel)
    period = (filters.start, filters.end)

    def rows_of(at: str, agent: str):
        return cycles.filter(**{f"{at}__gte": period[0], f"{at}__lt": period[1]}).values_list(
            at, "opened_at", "shop_id", "channel", agent, "reopened"
        )

    def places(moment, shop_id, channel, member_id):
        yield report.total
        yield report.series.setdefault(filters.bucket(moment), Figures())
        yield report.shops.setdefault(shop_id, Figures())
        yield report.channels.setdefault(channel, Figures())
        yield report.agents.setdefault(member_id, Figures())

    # Index: cycle_tenant_opened (tenant, opened_at).
    for at, _, shop_id, channel, agent_id, reopened in rows_of("opened_at", "agent_id"):
        for figures in places(at, shop_id, channel, agent_id):
            figures.opened += 1
            figures.reopened += reopened
    # Index: cycle_tenant_responded (tenant, first_response_at).
    for at, opened_at, shop_id, channel, responder_id, _ in rows_of(
        "first_response_at", "responder_id"
    ):
        waited = seconds_between(opened_at, at)
        for figures in places(at, shop_id, channel, responder_id):
            figures.first_responses.append(waited)
    # Index: cycle_tenant_closed (tenant, closed_at).
    for at, opened_at, shop_id, channel, agent_id, _ in rows_of("closed_at", "agent_id"):
        took = seconds_between(opened_at, at)
        for figures in places(at, shop_id, channel, agent_id):
            figures.closed += 1
            figures.resolutions.append(took)
    return report
