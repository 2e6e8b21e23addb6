"""Reads of breach notices for a tenant: only its own, only once sent.

A tenant learns of an incident only through a notice that was sent to it; a
pending notice (being prepared by platform security) is not shown yet.
"""

from django.db.models import QuerySet

from breaches.models import BreachNotice


def notices_for_tenant(tenant) -> QuerySet:
    """The tenant's sent notices, newest first, with their incident."""
    return (
        BreachNotice.objects.for_tenant(tenant)
        .filter(sent_at__isnull=False)
        .select_related("incident")
        .order_by("-sent_at")
    )
