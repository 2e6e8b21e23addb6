"""Incidents and pending notices for tests, written straight to the models.

The declaration (breaches/services/incidents.py) is another part's; these tests
only need an incident as it leaves it: pending notices with counts and a
deadline of awareness + 24 h.
"""

import datetime as dt
import itertools

from django.conf import settings

from breaches.models import BreachNotice, Incident

_numbers = itertools.count(1)


def incident_make(*, aware_at: dt.datetime, **fields) -> Incident:
    number = next(_numbers)
    values = {
        "reference": f"INC-{aware_at.year}-{number:04d}",
        "title": f"Test incident {number}",
        "aware_at": aware_at,
        "declared_at": aware_at,
        "natures": ["unauthorised_access"],
        "properties": ["confidentiality"],
        "data_categories": ["message_content", "contact_details"],
        "subject_categories": ["end_users"],
        "description": "A stolen support laptop held a database export.",
        "likely_consequences": "Phishing attempts against end-users.",
        "measures": "Keys rotated; the export's credentials revoked.",
        "dpo_contact": "dpo@instaply.localhost",
        "risk_level": "high",
        "scope": {"kind": "explicit"},
    } | fields
    return Incident.objects.create(**values)


def notice_make(
    *, incident: Incident, tenant, subjects=120, records=3400, **fields
) -> BreachNotice:
    values = {
        "incident": incident,
        "tenant": tenant,
        "subjects_count": subjects,
        "records_count": records,
        "counted_at": incident.declared_at,
        "deadline_at": incident.aware_at + dt.timedelta(hours=settings.BREACH_NOTICE_HOURS),
        "created_at": incident.declared_at,
    } | fields
    return BreachNotice.objects.create(**values)


def declared(*, aware_at: dt.datetime, tenants, **fields) -> tuple[Incident, list[BreachNotice]]:
    """An incident and one pending notice per tenant, as the declaration leaves them."""
    incident = incident_make(aware_at=aware_at, **fields)
    return incident, [notice_make(incident=incident, tenant=t) for t in tenants]
