"""``track``: how a service records a product-analytics event.

One pending row, written in the caller's transaction (a rollback drops it), and
nothing else: no broker publish, no HTTP call on the request or inbound path;
the periodic flush (analytics.sending) sends the rows later.

Nothing is recorded for a tenant that opted out, nor for an event about a
contact whose processing is restricted or who objected to it or to analytics
(privacy.dsr.restriction.analytics_allowed).
"""

import datetime as dt
import secrets

from django.utils import timezone

from analytics.events import checked
from analytics.models import AnalyticsEvent
from analytics.pseudonyms import month_of, pseudonym
from conversations.models import Contact
from tenants.models import Tenant


def hour_of(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _allowed(tenant_id, contact_id) -> bool:
    # Imported here: privacy.dsr imports the conversation services that track.
    from privacy.dsr.restriction import analytics_allowed

    if contact_id is None:
        opted_out = Tenant.objects.filter(pk=tenant_id).values_list("analytics_opt_out", flat=True)
        return not opted_out.first()
    # One query for both answers: the contact's flags and its tenant's choice.
    contact = (
        Contact.objects.for_tenant(tenant_id)
        .select_related("tenant")
        .only("processing_restricted", "objections", "tenant__analytics_opt_out")
        .filter(pk=contact_id)
        .first()
    )
    return (
        contact is not None and not contact.tenant.analytics_opt_out and analytics_allowed(contact)
    )


def track(
    name: str, *, tenant_id, contact_id=None, now=None, **properties
) -> AnalyticsEvent | None:
    """Records event ``name`` of the tenant (about ``contact_id`` when it concerns
    a contact). Raises analytics.events.NotAllowed for anything off the allowlist,
    even when nothing would be recorded: a mistake must not hide behind an opt-out."""
    values = checked(name, properties)
    if not _allowed(tenant_id, contact_id):
        return None
    now = now or timezone.now()
    return AnalyticsEvent.objects.create(**_row(name, pseudonym(tenant_id, when=now), now, values))


def track_about_contacts(name: str, *, tenant_id, events: list[tuple]) -> None:
    """``track`` for several events about contacts already loaded, each
    ``(contact, now, properties)``: the tenant's choice read once, one INSERT
    (a batch of inbound texts). The contact's own flags are read from the rows
    given, which the caller loaded in its transaction."""
    from privacy.dsr.restriction import analytics_allowed

    checked_events = [(contact, now, checked(name, props)) for contact, now, props in events]
    if not checked_events:
        return
    opted_out = Tenant.objects.filter(pk=tenant_id).values_list("analytics_opt_out", flat=True)
    if opted_out.first():
        return
    pseudonyms = {}  # one per month: each costs a read of the month's secret
    rows = []
    for contact, now, values in checked_events:
        if analytics_allowed(contact):
            month = month_of(now)
            if month not in pseudonyms:
                pseudonyms[month] = pseudonym(tenant_id, when=now)
            rows.append(AnalyticsEvent(**_row(name, pseudonyms[month], now, values)))
    AnalyticsEvent.objects.bulk_create(rows)


def _row(name, distinct_id, now, values) -> dict:
    return {
        "name": name,
        "distinct_id": distinct_id,
        "properties": values,
        "occurred_hour": hour_of(now),
        "insert_id": secrets.token_hex(16),
    }
