import re
from pathlib import Path

import pgtrigger
import pytest
from django.db import connection
from django.db.models import QuerySet

from audit.recorder import Actor, record
from audit.retention import IGNORE_TRIGGERS
from instaply.ids import uuid7

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers exist on PostgreSQL only"
)


def make_events(count: int, *, tenant=None, action="personal_data.read", **kwargs):
    return [
        record(
            action,
            tenant=tenant,
            actor=kwargs.pop("actor", Actor.system("test")),
            target=("conversation", uuid7()),
            **kwargs,
        )
        for _ in range(count)
    ]


class Tamper:
    """Changes audit rows behind the model's back, as someone with database
    access would: the triggers switched off on PostgreSQL (SQLite has none)."""

    def update(self, queryset, **changes) -> int:
        with pgtrigger.ignore(*IGNORE_TRIGGERS):
            return QuerySet.update(queryset, **changes)

    def delete(self, queryset) -> int:
        with pgtrigger.ignore(*IGNORE_TRIGGERS):
            return QuerySet.delete(queryset)[0]


@pytest.fixture
def tamper():
    return Tamper()


DOCS = Path(__file__).resolve().parents[2] / "docs" / "audit-log.md"


def documented_verifier():
    """``verify_export`` from docs/audit-log.md, run exactly as a tenant would run it."""
    block = re.search(
        r"<!-- verify-export:start -->\s*```python\n(.*?)```\s*<!-- verify-export:end -->",
        DOCS.read_text(),
        re.S,
    )
    namespace: dict = {}
    exec(compile(block.group(1), str(DOCS), "exec"), namespace)  # noqa: S102
    return namespace["verify_export"]
