"""The access-transparency record as CSV, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

from instaply.spreadsheet import spreadsheet_cell
from platform_staff.selectors.transparency import TransparencyRow

COLUMNS = [
    "time",
    "event_id",
    "action",
    "outcome",
    "actor_kind",
    "actor_name",
    "actor_email",
    "actor_role",
    "platform_person",
    "platform_email",
    "platform_role",
    "country",
    "transfer",
    "grant",
    "object_kind",
    "object_id",
    "read",
    "reason_code",
    "refusal",
    "scope",
    "hours",
    "narrowed",
]


def neutralise_cell(value) -> str:
    """The value as text; one a spreadsheet would evaluate is quoted as text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return spreadsheet_cell(value)


class _Line:
    """csv.writer wants a file; this one hands back what it was given (audit.export)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[TransparencyRow]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow(
            neutralise_cell(v)
            for v in (
                row.at.isoformat(),
                row.id,
                row.action,
                row.outcome,
                row.actor_kind,
                row.actor_name,
                row.actor_email,
                row.actor_role,
                row.staff_name,
                row.staff_email,
                row.staff_role,
                row.country,
                row.transfer,
                row.grant,
                row.target_kind,
                row.target_id,
                row.read,
                row.reason_code,
                row.denial,
                row.scope,
                row.hours,
                row.narrowed,
            )
        )
