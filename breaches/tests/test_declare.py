"""Declaring and closing an incident: validation, notices, numbering, audit."""

import datetime as dt

import pytest
from django.db import IntegrityError

from audit import actions
from audit.models import AuditEvent
from breaches.models import BreachNotice, Incident
from breaches.services import incidents as service
from breaches.services.incidents import incident_close, incident_declare
from breaches.tests.helpers import NOW, facts, platform_person
from conversations.tests.factories import ContactFactory
from instaply.errors import Conflict, Forbidden, Invalid
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def security():
    return platform_person("security")


def explicit(*tenants) -> dict:
    return {"kind": "explicit", "tenants": [str(t.pk) for t in tenants]}


def declare(staff, scope, now=NOW, **overrides):
    return incident_declare(staff=staff, now=now, scope=scope, **facts(**overrides))


def events(action):
    return AuditEvent.objects.dangerously_unscoped(reason="test").filter(action=action)


def test_declaring_prepares_one_pending_notice_per_affected_tenant(security, tenant_a, tenant_b):
    ContactFactory(tenant=tenant_a.tenant, created_at=NOW - dt.timedelta(days=3))
    incident = declare(security, explicit(tenant_a.tenant))

    assert incident.reference == "INC-2026-0001"
    assert incident.scope == explicit(tenant_a.tenant)
    assert (incident.declared_at, incident.declared_by, incident.state) == (NOW, security, "open")
    notice = BreachNotice.objects.for_tenant(tenant_a.tenant).get(incident=incident)
    assert notice.deadline_at == NOW - dt.timedelta(hours=2) + dt.timedelta(hours=24)
    assert (notice.subjects_count, notice.records_count, notice.counted_at) == (1, 1, NOW)
    assert notice.sent_at is None
    assert not BreachNotice.objects.for_tenant(tenant_b.tenant).exists()


def test_the_declaration_is_a_platform_event_with_codes_and_counts(security, tenant_a):
    incident = declare(security, explicit(tenant_a.tenant))
    event = events(actions.INCIDENT_DECLARED).get()
    assert event.tenant_id is None
    assert (event.actor_kind, event.actor_id) == ("platform_staff", str(security.user.pk))
    assert (event.target_kind, event.target_id) == ("incident", str(incident.pk))
    assert event.metadata["natures"] == ["unauthorised_access"]
    assert event.metadata["tenants_count"] == 1
    assert event.metadata["scope_kind"] == "explicit"
    # The incident's own words stay out of the log.
    assert "laptop" not in str(event.metadata)
    assert "third party" not in str(event.metadata)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"aware_at": NOW + dt.timedelta(minutes=1)}, "aware_at", "in the future"),
        ({"aware_at": dt.datetime(2026, 3, 10, 9, 0)}, "aware_at", "required"),  # naive
        ({"natures": []}, "natures", "required"),
        ({"properties": []}, "properties", "required"),
        ({"natures": ["theft"]}, "natures", "unknown"),
        ({"data_categories": ["dna"]}, "data_categories", "unknown"),
        ({"subject_categories": []}, "subject_categories", "required"),
        ({"risk_level": "extreme"}, "risk_level", "unknown"),
        ({"measures": "  "}, "measures", "required"),
        ({"title": "x" * 201}, "title", "too long"),
    ],
)
def test_declaring_refuses_wrong_facts_and_writes_nothing(
    security, tenant_a, overrides, field, code
):
    with pytest.raises(Invalid) as refused:
        declare(security, explicit(tenant_a.tenant), **overrides)
    assert refused.value.fields == {field: code}
    assert not Incident.objects.exists()
    assert not events(actions.INCIDENT_DECLARED).exists()


def test_a_scope_matching_no_tenant_is_refused(security):
    scope = {
        "kind": "audit",
        "actions": ["nothing.happened"],
        "start": (NOW - dt.timedelta(hours=5)).isoformat(),
        "end": NOW.isoformat(),
    }
    with pytest.raises(Invalid) as refused:
        declare(security, scope)
    assert refused.value.fields == {"scope": "empty"}
    assert not Incident.objects.exists()


def test_only_platform_security_declares(tenant_a):
    for roles in (("support",), ("dpo",)):
        with pytest.raises(Forbidden):
            declare(platform_person(*roles), explicit(tenant_a.tenant))
    inactive = platform_person("security")
    inactive.deactivated_at = NOW
    inactive.save(update_fields=["deactivated_at"])
    with pytest.raises(Forbidden):
        declare(inactive, explicit(tenant_a.tenant))


def test_references_count_up_within_a_year_and_start_again_the_next(security):
    tenant = TenantFactory()
    refs = [declare(security, explicit(tenant)).reference for _ in range(3)]
    assert refs == ["INC-2026-0001", "INC-2026-0002", "INC-2026-0003"]
    next_year = dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.UTC)
    assert declare(security, explicit(tenant), now=next_year).reference == "INC-2027-0001"


def test_a_reference_taken_meanwhile_makes_the_declaration_take_the_next(security, monkeypatch):
    tenant = TenantFactory()
    declare(security, explicit(tenant))
    real = service._next_reference
    calls = []

    def stale(year):
        # The first guess is what a concurrent declaration just took.
        calls.append(year)
        return "INC-2026-0001" if len(calls) == 1 else real(year)

    monkeypatch.setattr(service, "_next_reference", stale)
    assert declare(security, explicit(tenant)).reference == "INC-2026-0002"
    assert len(calls) == 2
    assert Incident.objects.count() == 2


def test_a_reference_is_unique_in_the_database(security):
    tenant = TenantFactory()
    incident = declare(security, explicit(tenant))
    with pytest.raises(IntegrityError):
        Incident.objects.create(
            reference=incident.reference,
            title="x",
            aware_at=NOW,
            likely_consequences="x",
            measures="x",
            dpo_contact="x",
            risk_level="low",
        )


def test_closing_records_the_resolution_once(security, tenant_a):
    incident = declare(security, explicit(tenant_a.tenant))
    later = NOW + dt.timedelta(days=2)
    closed = incident_close(
        staff=security, incident=incident, resolution="Keys rotated.", now=later
    )
    assert (closed.state, closed.closed_at, closed.resolution) == ("closed", later, "Keys rotated.")
    event = events(actions.INCIDENT_CLOSED).get()
    assert event.tenant_id is None
    assert event.metadata["notices_unsent"] == 1
    with pytest.raises(Conflict):
        incident_close(staff=security, incident=incident, resolution="Again.", now=later)
    with pytest.raises(Invalid):
        incident_close(
            staff=security,
            incident=declare(security, explicit(tenant_a.tenant)),
            resolution=" ",
            now=later,
        )
    with pytest.raises(Forbidden):
        incident_close(staff=platform_person("dpo"), incident=incident, resolution="x", now=later)
