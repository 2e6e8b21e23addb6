"""The tenant's choice about product analytics (Settings → Product analytics)."""

from django.db import transaction

from analytics.models import AnalyticsEvent
from analytics.pseudonyms import pseudonyms_existing
from audit.actions import ANALYTICS_OPT_OUT_CHANGED
from audit.recorder import Actor, record
from instaply.errors import Forbidden
from tenants.models import Membership, Tenant
from tenants.permissions import Capability


@transaction.atomic
def analytics_opt_out_set(*, membership: Membership, opted_out: bool, request=None) -> Tenant:
    """Opts the workspace out of product analytics, or back in. Opting out also
    drops its events still waiting to leave: from now on nothing is sent."""
    if not membership.can(Capability.ANALYTICS_MANAGE):
        raise Forbidden("Only owners, admins and privacy officers choose about analytics.")
    tenant = Tenant.objects.select_for_update().get(pk=membership.tenant_id)
    if tenant.analytics_opt_out == opted_out:
        return tenant
    tenant.analytics_opt_out = opted_out
    tenant.save(update_fields=["analytics_opt_out"])
    dropped = 0
    if opted_out:
        dropped, _ = AnalyticsEvent.objects.filter(
            state=AnalyticsEvent.State.PENDING, distinct_id__in=pseudonyms_existing(tenant.pk)
        ).delete()
    record(
        ANALYTICS_OPT_OUT_CHANGED,
        request=request,
        tenant=tenant,
        actor=Actor.member(membership),
        target=("tenant", tenant.pk),
        metadata={"analytics_opt_out": opted_out, "pending_dropped": dropped},
    )
    return tenant
