"""Reads of breach notices: a tenant's own (sent) notices, the banner, and the
console's view of an incident's notices and alerts.

A tenant reads only notices that were sent to it; any other id, a pending
notice included, is the same 404 as a missing one.
"""

import datetime as dt

from django.db.models import Count, Min, Q, QuerySet

from breaches.models import BreachNotice, IncidentUpdate
from breaches.selectors import notices_for_tenant
from tenants.scoping import tenant_get


def notice_get_for_tenant(*, tenant, id) -> BreachNotice:
    """One of the tenant's sent notices, with its incident; else NotFound."""
    return tenant_get(notices_for_tenant(tenant), tenant=tenant, id=id, what="breach notice")


def notice_banner(*, tenant) -> BreachNotice | None:
    """The oldest sent notice nobody of the tenant acknowledged yet, or None.

    One query on breach_notice_tenant_sent (tenant, sent_at); the frame runs it
    only on pages that show the banner to a member who may read notices.
    """
    return (
        BreachNotice.objects.for_tenant(tenant)
        .filter(sent_at__isnull=False, acknowledged_at__isnull=True)
        .select_related("incident")
        .only("id", "sent_at", "incident__reference", "incident__title")
        .order_by("sent_at")
        .first()
    )


def incident_updates(*, incident) -> QuerySet:
    """The incident's follow-up updates, in their order."""
    return IncidentUpdate.objects.filter(incident=incident).order_by("number")


def unsent_alerts(*, now: dt.datetime) -> dict:
    """The console home's view for security: incidents with unsent notices, how
    many tenants wait, the nearest deadline, the alerts sent so far (served by
    breach_notice_unsent_due)."""
    unsent = BreachNotice.objects.dangerously_unscoped(
        reason="the console counts unsent notices of every tenant"
    ).filter(sent_at__isnull=True)
    incidents = list(
        unsent.values("incident_id", "incident__reference", "incident__title")
        .annotate(
            tenants=Count("id"),
            deadline_at=Min("deadline_at"),
            alerted_12=Count("id", filter=Q(alerted_12_at__isnull=False)),
            alerted_20=Count("id", filter=Q(alerted_20_at__isnull=False)),
        )
        .order_by("deadline_at")[:20]
    )
    for entry in incidents:
        entry["overdue"] = entry["deadline_at"] < now
    return {"unsent": sum(e["tenants"] for e in incidents), "incidents": incidents}
