"""Keeping a numbered snapshot of a tenant's record whenever it changes.

The hash is SHA-256 of the canonical JSON (sorted keys, no spaces) of the
record without its volatile part (build.VOLATILE). Two refreshes of one tenant
at once give one version: the configuration is read and compared under a lock
of the tenant's row (FOR NO KEY UPDATE, so the tenant's other writes, which
only need its key, never wait), and the (tenant, version) constraint backs it.
"""

import datetime as dt
import hashlib
import json

from django.db import transaction

from compliance.models import RecordSnapshot
from compliance.records.build import VOLATILE, record_of_processing
from tenants.models import Tenant


def canonical(record: dict) -> str:
    stable = {key: value for key, value in record.items() if key not in VOLATILE}
    return json.dumps(stable, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(record: dict) -> str:
    return hashlib.sha256(canonical(record).encode()).hexdigest()


def changed_inputs(before: dict | None, after: dict) -> list[str]:
    """The top-level parts of the record that differ (none for a first version)."""
    if before is None:
        return []
    keys = (set(before) | set(after)) - set(VOLATILE)
    return sorted(key for key in keys if before.get(key) != after.get(key))


def records_refresh(tenant_id, *, now: dt.datetime) -> RecordSnapshot | None:
    """Writes version N+1 when the record differs from version N; None otherwise
    (or when the tenant is gone)."""
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update(no_key=True).filter(pk=tenant_id).first()
        if tenant is None:
            return None
        record = json.loads(json.dumps(record_of_processing(tenant, now=now)))
        digest = record_hash(record)
        latest = RecordSnapshot.objects.for_tenant(tenant).order_by("-version").first()
        if latest is not None and latest.content_hash == digest:
            return None
        return RecordSnapshot.objects.create(
            tenant=tenant,
            version=(latest.version if latest else 0) + 1,
            content=record,
            content_hash=digest,
            changed=changed_inputs(latest.content if latest else None, record),
            created_at=now,
        )
