"""The daily retention run (found by Celery's autodiscovery). Tasks take ids and
can run twice: a second run finds nothing more to delete."""

from celery import shared_task
from django.db import OperationalError

from instaply import rls
from instaply.publish import publish


@shared_task(name="retention.apply_all")
def apply_all() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): queues one run per tenant, so a large tenant's
    run neither delays the others nor makes one long task; returns how many."""
    from tenants.models import Tenant

    tenant_ids = [str(pk) for pk in Tenant.objects.order_by("pk").values_list("pk", flat=True)]
    for tenant_id in tenant_ids:
        publish(apply_tenant, tenant_id)
    return len(tenant_ids)


# A deadlock or a lost connection ends a batch's transaction, never half of it:
# the run is tried again and carries on with what is left.
@shared_task(
    name="retention.apply_tenant",
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=3,
)
def apply_tenant(tenant_id: str) -> dict:
    """One tenant's run (privacy.retention.run); nothing for a tenant that is gone."""
    from privacy.retention.run import retention_apply
    from tenants.models import Tenant

    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return {}
    rls.adopt(tenant)
    return retention_apply(tenant)
