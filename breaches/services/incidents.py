"""Platform security declares an incident and closes it.

Declaring is one transaction: the incident, its reference, one pending notice
per affected tenant (with its deadline and counts) and the audit event. The
notices are sent by breaches.services.notices; declaring tells no tenant yet.
Audit events are platform-level (no tenant): they carry codes and counts, never
the words of the incident or the names of tenants.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction

from audit import actions
from audit.recorder import Actor, record
from breaches.counts import counts_for
from breaches.models import (
    BreachNotice,
    DataCategory,
    Incident,
    Nature,
    Property,
    RiskLevel,
    SubjectCategory,
)
from breaches.scope import affected_tenant_ids, scope_clean
from instaply.errors import Conflict, Forbidden, Invalid
from platform_staff.models import PlatformRole, PlatformStaff

REFERENCE_ATTEMPTS = 5


def _check_security(staff: PlatformStaff) -> None:
    if staff is None or not staff.has_role(PlatformRole.SECURITY):
        raise Forbidden("Only platform security declares and closes incidents.")


def _codes(values, choices, *, field: str, what: str, required: bool = True) -> list[str]:
    values = list(dict.fromkeys(values or ()))
    unknown = [value for value in values if value not in choices.values]
    if unknown:
        raise Invalid(
            f"Unknown {what}: {', '.join(map(str, unknown))[:80]}", fields={field: "unknown"}
        )
    if required and not values:
        raise Invalid(f"Choose at least one {what}.", fields={field: "required"})
    return values


def _text(value, *, field: str, what: str, most: int | None = None, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"Give the {what}.", fields={field: "required"})
    if most and len(value) > most:
        raise Invalid(f"Keep the {what} under {most} characters.", fields={field: "too long"})
    return value


def _aware_at(value, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise Invalid(
            "Give the time of awareness with its time zone.", fields={"aware_at": "required"}
        )
    if value > now:
        raise Invalid(
            "The time of awareness cannot be in the future.", fields={"aware_at": "in the future"}
        )
    return value.astimezone(dt.UTC)


def _max_length(field: str) -> int:
    return Incident._meta.get_field(field).max_length


def incident_scope_preview(
    *, scope: dict, aware_at: dt.datetime, data_categories, subject_categories, now: dt.datetime
) -> tuple[dict, dict]:
    """(cleaned scope, {tenant id: (subjects, records)}) for a stated scope;
    ``Invalid`` when it is wrong or matches no tenant."""
    scope = scope_clean(scope, now=now)
    ids = affected_tenant_ids(scope)
    if not ids:
        raise Invalid("This scope matches no tenant.", fields={"scope": "empty"})
    counts = counts_for(
        scope=scope,
        tenant_ids=ids,
        data_categories=data_categories,
        subject_categories=subject_categories,
        aware_at=aware_at,
    )
    return scope, counts


def _next_reference(year: int) -> str:
    prefix = f"INC-{year}-"
    taken = Incident.objects.filter(reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    numbers = [int(ref[len(prefix) :]) for ref in taken if ref[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _create_numbered(now: dt.datetime, **fields) -> Incident:
    """Two declarations at once may pick the same number: the unique reference
    refuses the second, which takes the next one (inside a savepoint)."""
    for _attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                return Incident.objects.create(reference=_next_reference(now.year), **fields)
        except IntegrityError:
            continue
    raise Conflict("Could not number the incident; declare it again.")


def _facts(
    *,
    title,
    aware_at,
    natures,
    properties,
    data_categories,
    subject_categories,
    likely_consequences,
    measures,
    dpo_contact,
    risk_level,
    description="",
    now: dt.datetime,
) -> dict:
    facts = {
        "title": _text(title, field="title", what="title", most=_max_length("title")),
        "aware_at": _aware_at(aware_at, now),
        "natures": _codes(natures, Nature, field="natures", what="nature of the breach"),
        "properties": _codes(properties, Property, field="properties", what="security property"),
        "data_categories": _codes(
            data_categories, DataCategory, field="data_categories", what="category of data"
        ),
        "subject_categories": _codes(
            subject_categories,
            SubjectCategory,
            field="subject_categories",
            what="category of data subjects",
        ),
        "description": _text(description, field="description", what="description", required=False),
        "likely_consequences": _text(
            likely_consequences, field="likely_consequences", what="likely consequences"
        ),
        "measures": _text(measures, field="measures", what="measures taken or proposed"),
        "dpo_contact": _text(
            dpo_contact, field="dpo_contact", what="DPO's contact", most=_max_length("dpo_contact")
        ),
        "risk_level": risk_level,
    }
    if risk_level not in RiskLevel.values:
        raise Invalid("Choose a risk level.", fields={"risk_level": "unknown"})
    return facts


def incident_preview(*, staff: PlatformStaff, now: dt.datetime, scope: dict, **facts):
    """What declaring would do, without doing it: (facts, cleaned scope,
    {tenant id: (subjects, records)}). Raises ``Invalid`` as declaring would."""
    _check_security(staff)
    facts = _facts(now=now, **facts)
    scope, counts = incident_scope_preview(
        scope=scope,
        aware_at=facts["aware_at"],
        data_categories=facts["data_categories"],
        subject_categories=facts["subject_categories"],
        now=now,
    )
    return facts, scope, counts


def incident_declare(
    *, staff: PlatformStaff, now: dt.datetime, scope: dict, request=None, **facts
) -> Incident:
    """Declares an incident and prepares one pending notice per affected tenant,
    due ``aware_at`` + BREACH_NOTICE_HOURS.

    ``facts``: title, aware_at (aware datetime, not in the future), natures and
    properties (at least one each), data_categories, subject_categories,
    likely_consequences, measures, dpo_contact, risk_level, description
    (optional). ``scope``: see breaches.scope."""
    facts, scope, counts = incident_preview(staff=staff, now=now, scope=scope, **facts)
    aware_at = facts["aware_at"]
    risk_level = facts["risk_level"]
    deadline = aware_at + dt.timedelta(hours=settings.BREACH_NOTICE_HOURS)
    with transaction.atomic():
        incident = _create_numbered(
            now,
            declared_at=now,
            declared_by=staff,
            scope=scope,
            **facts,
        )
        BreachNotice.objects.dangerously_unscoped(
            reason="security writes an incident's notice for every affected tenant"
        ).bulk_create(
            BreachNotice(
                tenant_id=tenant_id,
                incident=incident,
                subjects_count=subjects,
                records_count=records,
                counted_at=now,
                deadline_at=deadline,
                created_at=now,
            )
            for tenant_id, (subjects, records) in counts.items()
        )
        record(
            actions.INCIDENT_DECLARED,
            request=request,
            tenant=None,
            actor=Actor.platform_staff(staff.user),
            target=("incident", incident.pk),
            metadata={
                "incident_ref": incident.reference,
                "staff": str(staff.pk),
                "natures": incident.natures,
                "properties": incident.properties,
                "data_categories": incident.data_categories,
                "subject_categories": incident.subject_categories,
                "risk_level": risk_level,
                "scope_kind": scope["kind"],
                "aware_at": aware_at,
                "tenants_count": len(counts),
                "subjects_total": sum(subjects for subjects, _ in counts.values()),
                "records_total": sum(records for _, records in counts.values()),
            },
        )
    return incident


def incident_close(
    *, staff: PlatformStaff, incident: Incident, resolution: str, now: dt.datetime, request=None
) -> Incident:
    """Closes an open incident with what was done in the end (for the register)."""
    _check_security(staff)
    resolution = _text(resolution, field="resolution", what="resolution")
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.state == Incident.State.CLOSED:
            raise Conflict("This incident is already closed.")
        incident.state = Incident.State.CLOSED
        incident.closed_at = now
        incident.resolution = resolution
        incident.save(update_fields=["state", "closed_at", "resolution"])
        unsent = (
            BreachNotice.objects.dangerously_unscoped(
                reason="an incident's notices, across tenants"
            )
            .filter(incident=incident, sent_at__isnull=True)
            .count()
        )
        record(
            actions.INCIDENT_CLOSED,
            request=request,
            tenant=None,
            actor=Actor.platform_staff(staff.user),
            target=("incident", incident.pk),
            metadata={
                "incident_ref": incident.reference,
                "staff": str(staff.pk),
                "notices_unsent": unsent,
            },
        )
    return incident
