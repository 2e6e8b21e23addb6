"""Refreshing records of processing. Tasks take ids and can run twice: a second
run finds the record unchanged and writes nothing. Registered by
ComplianceConfig.ready() (autodiscovery only looks at compliance/tasks.py)."""

from celery import shared_task
from django.db import OperationalError

from instaply.publish import publish


@shared_task(
    name="compliance.refresh_records",
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=3,
)
def refresh_records(tenant_id: str) -> int | None:
    """One tenant; returns the new version, or None when nothing changed."""
    from django.utils import timezone

    from compliance.records.snapshot import records_refresh

    snapshot = records_refresh(tenant_id, now=timezone.now())
    return snapshot.version if snapshot is not None else None


@shared_task(name="compliance.refresh_all_records")
def refresh_all_records() -> int:
    """Every tenant, one task each: the daily safety net (CELERY_BEAT_SCHEDULE) for
    inputs no hook sees (a date that retires a sub-processor, the audit chain), and
    the refresh of all after a change of the sub-processor registry."""
    from tenants.models import Tenant

    tenant_ids = [str(pk) for pk in Tenant.objects.order_by("pk").values_list("pk", flat=True)]
    for tenant_id in tenant_ids:
        publish(refresh_records, tenant_id)
    return len(tenant_ids)
