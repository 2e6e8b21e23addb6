"""Reads of the sub-processor registry.

The registry itself is the platform's (not a tenant's rows); objections are
tenants' rows: a tenant reads only its own, the console reads them per change.
"""

import datetime as dt

from django.db.models import Q

from compliance.models import SubProcessor, SubProcessorChange, SubProcessorObjection
from instaply.errors import NotFound


def registry_on(day: dt.date):
    """The registry as it stands on ``day``: started, and not replaced yet."""
    return SubProcessor.objects.filter(since__lte=day).filter(
        Q(retired_on__isnull=True) | Q(retired_on__gt=day)
    )


def registry_retired(day: dt.date):
    """Entries replaced on or before ``day``, latest first."""
    return SubProcessor.objects.filter(retired_on__lte=day).order_by("-retired_on", "name")


def changes_upcoming(day: dt.date):
    """Announced changes not in effect on ``day`` yet, soonest first."""
    return (
        SubProcessorChange.objects.filter(effective_on__gt=day)
        .select_related("subprocessor", "replaces")
        .order_by("effective_on", "announced_at")
    )


def changes_all():
    return SubProcessorChange.objects.select_related("subprocessor", "replaces").order_by(
        "-announced_at"
    )


def change_get(*, id) -> SubProcessorChange:
    change = changes_all().filter(pk=id).first()
    if change is None:
        raise NotFound("No such change.")
    return change


def objections_for_change(change: SubProcessorChange):
    """Every tenant's objection to ``change`` (the console's list), newest first."""
    return (
        SubProcessorObjection.objects.dangerously_unscoped(
            reason="the platform DPO lists the objections to its own change"
        )
        .filter(change=change)
        .select_related("tenant")
        .order_by("-raised_at")
    )


def objection_counts() -> dict:
    """Live objections per change id, for the console's registry."""
    counts: dict = {}
    rows = (
        SubProcessorObjection.objects.dangerously_unscoped(
            reason="counts of objections per change, no content"
        )
        .filter(withdrawn_at__isnull=True)
        .values_list("change_id", flat=True)
    )
    for change_id in rows:
        counts[change_id] = counts.get(change_id, 0) + 1
    return counts


def objections_of_tenant(tenant) -> dict:
    """The tenant's own objections, by change id."""
    return {o.change_id: o for o in SubProcessorObjection.objects.for_tenant(tenant)}


def objection_get(*, tenant, id) -> SubProcessorObjection:
    objection = (
        SubProcessorObjection.objects.for_tenant(tenant)
        .select_related("change")
        .filter(pk=id)
        .first()
    )
    if objection is None:
        raise NotFound("No such objection.")
    return objection
