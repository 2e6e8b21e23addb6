"""Periodic work of the reports. Tasks take ids (or nothing) and can run twice."""

import datetime as dt

from celery import shared_task

# Conversations active this far back are compared with their cycles each run:
# more than the schedule's period, so a run that failed is covered by the next.
LOOKBACK = dt.timedelta(hours=26)


@shared_task(name="reports.reconcile")
def reconcile() -> int:
    """Mends missed cycles of recent conversations (reports.reconcile), tenant by
    tenant, then prunes cycles past their retention."""
    from django.utils import timezone

    from instaply import rls
    from reports.reconcile import prune, reconcile_tenant
    from tenants.models import Tenant

    now = timezone.now()
    mended = 0
    for tenant_id in Tenant.objects.order_by("id").values_list("id", flat=True):
        # Each query names the tenant (for_tenant): the database's policies apply.
        mended += reconcile_tenant(tenant_id=tenant_id, since=now - LOOKBACK, now=now)
    with rls.platform_work("report facts past their retention"):
        prune(now=now)
    return mended
