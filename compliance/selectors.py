"""Reads of the compliance app shared by its parts."""

from compliance.models import RecordSnapshot


def latest_record_snapshot(tenant) -> RecordSnapshot | None:
    """The tenant's current records of processing, as last snapshotted."""
    return RecordSnapshot.objects.for_tenant(tenant).order_by("-version").first()
