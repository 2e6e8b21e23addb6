"""Reads of the console's incident pages (platform security): the register,
one incident with its notices, and the home's figures. Counts and codes of
tenants, never their content."""

import datetime as dt

from django.db.models import Min, Prefetch

from breaches.models import BreachNotice, Incident
from instaply.errors import NotFound


def _notices():
    return (
        BreachNotice.objects.dangerously_unscoped(
            reason="the breach register: every affected tenant's notice, for platform security"
        )
        .select_related("tenant")
        .order_by("deadline_at", "tenant__name")
    )


def incident_register():
    """Every incident, newest awareness first, with its notices (``notice_list``)
    and their tenants."""
    return (
        Incident.objects.select_related("declared_by__user")
        .prefetch_related(Prefetch("notices", queryset=_notices(), to_attr="notice_list"))
        .order_by("-aware_at")
    )


def incident_get(*, incident_id) -> Incident:
    incident = Incident.objects.select_related("declared_by__user").filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def incident_notices(incident: Incident) -> list[BreachNotice]:
    return list(_notices().filter(incident=incident))


def security_totals(*, now: dt.datetime) -> dict:
    """Open incidents, notices not sent yet and the nearest of their deadlines."""
    unsent = BreachNotice.objects.dangerously_unscoped(
        reason="the console's home: unsent notices across tenants, counted"
    ).filter(sent_at__isnull=True, incident__state=Incident.State.OPEN)
    nearest = unsent.aggregate(nearest=Min("deadline_at"))["nearest"]
    return {
        "incidents_open": Incident.objects.filter(state=Incident.State.OPEN).count(),
        "notices_unsent": unsent.count(),
        "nearest_deadline": nearest,
        "nearest_left": (nearest - now) if nearest else None,
    }
