"""The export formats: one event per line, with the seal that chains it.

Each row holds the event's fields exactly as the chain hashed them, plus
``seq``, ``prev_hash``, ``tenant_seq``, ``tenant_prev_hash`` and ``hash``
(empty while the event awaits sealing), so the tenant can recompute every hash
and follow every link of its own chain (docs/audit-log.md).
"""

import csv
from collections.abc import Iterable, Iterator

from audit import chain
from audit.models import AuditEvent
from audit.selectors import seal_of

COLUMNS = chain.EVENT_FIELDS + chain.SEAL_FIELDS
CONTENT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


def export_row(event: AuditEvent) -> dict:
    row = chain.event_fields(event)
    seal = seal_of(event)
    row["seq"] = seal.seq if seal else None
    row["prev_hash"] = seal.prev_hash if seal else None
    row["tenant_seq"] = seal.tenant_seq if seal else None
    row["tenant_prev_hash"] = seal.tenant_prev_hash if seal else None
    row["hash"] = seal.hash if seal else None
    return row


def jsonl_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    for event in events:
        yield chain.encode(export_row(event)).decode("ascii") + "\n"


class _Line:
    """csv.writer wants a file; this one hands back what it was given."""

    def write(self, value: str) -> str:
        return value


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """Metadata is its canonical JSON text; an empty cell is an absent value."""
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for event in events:
        row = export_row(event)
        row["metadata"] = chain.encode(row["metadata"]).decode("ascii")
        yield writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])


WRITERS = {"jsonl": jsonl_lines, "csv": csv_lines}
