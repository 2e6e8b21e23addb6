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

    def rechain(self, from_seq: int = 1, *, relink_tenants: bool = False) -> None:
        """Recomputes every seal's hash and global link from ``from_seq`` on (and,
        with ``relink_tenants``, each tenant link too), and moves the heads to
        match, as someone who read docs/audit-log.md could: the chain then verifies
        except where a check beyond the hashes can tell."""
        from audit import chain
        from audit.models import AuditSeal, ChainHead

        seals = AuditSeal.objects.select_related("event").order_by("seq")
        tenant_last = {s.tenant_id: s.hash for s in seals.filter(seq__lt=from_seq, kind="event")}
        previous = seals.filter(seq__lt=from_seq).last()
        for seal in seals.filter(seq__gte=from_seq):
            if previous is not None:  # the very first seal keeps its own start
                seal.prev_hash = previous.hash
            if relink_tenants and seal.kind == "event":
                seal.tenant_prev_hash = tenant_last.get(seal.tenant_id, chain.GENESIS)
            seal.hash = chain.expected_hash(seal)
            self.update(
                AuditSeal.objects.filter(pk=seal.pk),
                prev_hash=seal.prev_hash,
                tenant_prev_hash=seal.tenant_prev_hash,
                hash=seal.hash,
            )
            if seal.kind == "event":
                tenant_last[seal.tenant_id] = seal.hash
            previous = seal
        if previous is not None:
            ChainHead.objects.filter(key=ChainHead.GLOBAL).update(
                seq=previous.seq, hash=previous.hash
            )
        for head in ChainHead.objects.exclude(key=ChainHead.GLOBAL):
            tenant_id = None if head.key == ChainHead.PLATFORM else head.key.split(":", 1)[1]
            last = (
                AuditSeal.objects.filter(tenant_id=tenant_id, kind="event").order_by("seq").last()
            )
            if last is not None:
                ChainHead.objects.filter(pk=head.pk).update(seq=last.tenant_seq, hash=last.hash)


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
