"""Which sub-processors serve which tenant, now or in a time window.

The registry (compliance.models.SubProcessor) says what each third party does;
this module says whom it does it for, from live configuration: the records of
processing list a tenant's sub-processors from here, and a breach scoped to a
sub-processor finds its tenants from here. A new sub-processor code needs a
rule below, or it serves every tenant (the safe reading for a breach).
"""

import datetime as dt

from django.conf import settings
from django.db.models import Q

from channels_sms.models import PhoneNumber, Provider
from compliance.models import SubProcessor
from tenants.models import Tenant

# The SMS providers: they serve a tenant while it has a number on them.
SMS_PROVIDERS = {"twilio": Provider.TWILIO, "vonage": Provider.VONAGE}
# Product analytics (analytics.sending): it serves a tenant only while events leave.
ANALYTICS = "mixpanel"


def _numbers_in_window(provider: str, start: dt.datetime, end: dt.datetime):
    # A number serves from its creation until its deactivation (or still).
    return PhoneNumber.objects.dangerously_unscoped(
        reason="which tenants a provider served: a count across tenants, no content"
    ).filter(
        Q(deactivated_at__isnull=True) | Q(deactivated_at__gte=start),
        provider=provider,
        created_at__lte=end,
    )


def tenants_served_by(code: str, start: dt.datetime, end: dt.datetime) -> set:
    """Ids of the tenants sub-processor ``code`` served at some time in [start, end]."""
    if code in SMS_PROVIDERS:
        return set(
            _numbers_in_window(SMS_PROVIDERS[code], start, end)
            .values_list("tenant_id", flat=True)
            .distinct()
        )
    # Hosting, email, analytics, reporting: every tenant that existed then.
    return set(Tenant.objects.filter(created_at__lte=end).values_list("pk", flat=True))


def subprocessors_in_use(tenant: Tenant, *, at: dt.datetime) -> list[SubProcessor]:
    """The registry entries serving ``tenant`` at ``at`` (retired ones excluded)."""
    day = at.date()
    entries = SubProcessor.objects.filter(since__lte=day).filter(
        Q(retired_on__isnull=True) | Q(retired_on__gt=day)
    )
    return [entry for entry in entries if tenant.pk in _served_now(entry.code, tenant, at)]


def _served_now(code: str, tenant: Tenant, at: dt.datetime) -> set:
    if code == ANALYTICS:
        # Nothing of the tenant goes to Mixpanel without a token (the local sink)
        # or once it opted out. A breach's scope (tenants_served_by) still counts
        # every tenant: the opt-out has no history, and past events did leave.
        sent = settings.MIXPANEL_TOKEN and not tenant.analytics_opt_out
        return {tenant.pk} if sent else set()
    if code in SMS_PROVIDERS:
        numbers = _numbers_in_window(SMS_PROVIDERS[code], at, at).filter(tenant=tenant)
        return {tenant.pk} if numbers.exists() else set()
    return {tenant.pk}
