"""The report as CSV: one line per row of the page, every cell spreadsheet-safe.

Times are whole seconds, so a spreadsheet can compute with them; names go
through ``spreadsheet_cell`` (a member named "=HYPERLINK(...)" stays text)."""

import csv
import io

from instaply.spreadsheet import spreadsheet_cell

HEADER = (
    "dimension", "key", "label", "opened", "reopened", "closed", "answered",
    "first_response_median_seconds", "first_response_p90_seconds",
    "resolution_median_seconds", "resolution_p90_seconds",
)  # fmt: skip


def csv_text(rows_by_dimension: dict) -> str:
    """Period rows are keyed by their first day (ISO), in the reader's time zone."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for rows in rows_by_dimension.values():
        for row in rows:
            f = row.figures
            writer.writerow(
                [
                    spreadsheet_cell(value)
                    for value in (
                        row.dimension,
                        row.key,
                        row.label,
                        f.opened,
                        f.reopened,
                        f.closed,
                        f.answered,
                        f.first_response_median,
                        f.first_response_p90,
                        f.resolution_median,
                        f.resolution_p90,
                    )  # fmt: skip
                ]
            )
    return out.getvalue()
