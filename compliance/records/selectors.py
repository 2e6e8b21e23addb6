"""Reads of records-of-processing snapshots, always inside one tenant."""

from compliance.models import RecordSnapshot
from instaply.errors import NotFound

HISTORY = 200


def record_snapshots(tenant):
    """The tenant's versions, newest first (the history; at most HISTORY)."""
    return (
        RecordSnapshot.objects.for_tenant(tenant)
        .order_by("-version")
        .only("id", "tenant_id", "version", "changed", "created_at", "content_hash")[:HISTORY]
    )


def record_snapshot_get(tenant, *, snapshot_id) -> RecordSnapshot:
    """One version of ``tenant``'s; another tenant's is the same NotFound as none."""
    snapshot = RecordSnapshot.objects.for_tenant(tenant).filter(pk=snapshot_id).first()
    if snapshot is None:
        raise NotFound("No such version of the records of processing.")
    return snapshot
