"""A report as the rows the page and the CSV show, with names in the reader's
language: shops by name, members by their name (the tenant's own staff),
never anything about customers."""

from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from reports.figures import Figures
from reports.selectors import WEEK, Report
from web import labels


@dataclass
class Row:
    dimension: str  # period, shop, channel, agent
    key: str  # a date, an id or a code: stable, for the CSV
    label: str
    figures: Figures


def period_label(day, by: str) -> str:
    shown = formats.date_format(day, "SHORT_DATE_FORMAT")
    return _("Week of %(day)s") % {"day": shown} if by == WEEK else shown


def report_rows(report: Report, *, shops: dict, members: dict) -> dict[str, list[Row]]:
    """The report's rows by dimension. ``shops``: id -> name; ``members``: id -> name."""
    by = report.filters.by
    period = [
        Row("period", day.isoformat(), period_label(day, by), figures)
        for day, figures in sorted(report.series.items())
    ]

    def named(dimension, items, name_of):
        rows = [Row(dimension, str(key or ""), name_of(key), f) for key, f in items]
        return sorted(rows, key=lambda row: (-row.figures.opened, row.label.lower()))

    return {
        "period": period,
        "shop": named("shop", report.shops.items(), lambda k: shops.get(k, _("Removed shop"))),
        "channel": named(
            "channel", report.channels.items(), lambda k: str(labels.CHANNELS.get(k, k))
        ),
        "agent": named(
            "agent",
            report.agents.items(),
            lambda k: members.get(k, _("Former member")) if k else _("Unassigned"),
        ),
    }
