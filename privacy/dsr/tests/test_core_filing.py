"""Filing a data-subject request: validation, idempotency, matching, duplicates."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from conversations.tests.factories import MessageFactory
from instaply.errors import Conflict, Forbidden, Invalid
from privacy.dsr import matching, services
from privacy.dsr.models import DataSubjectRequest, RequestEvent
from privacy.dsr.tests.helpers import contact_with, file
from tenants.models import Role

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # Monday 10:00 in Paris


def _nothing_written(tenant):
    assert not DataSubjectRequest.objects.for_tenant(tenant).exists()
    assert not RequestEvent.objects.for_tenant(tenant).exists()
    assert not AuditEvent.objects.filter(action__startswith="privacy.request_").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"identity_verified": False}, "identity_verified"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "not a number"}, "phone"),
        ({"email": "nobody-at-all"}, "email"),
        ({"contact_id": "0190a0a0-0000-7000-8000-000000000000"}, "contact_id"),
        ({"contact_id": "garbage"}, "contact_id"),
        ({"subject_asked_on": dt.date(2026, 3, 3)}, "subject_asked_on"),
        ({"request_type": "rectification"}, "corrections"),
        ({"request_type": "rectification", "corrections": {"age": "12"}}, "corrections"),
        ({"request_type": "rectification", "corrections": {"phone": "x"}}, "corrections"),
        ({"corrections": {"name": "New"}}, "corrections"),
        ({"purpose": "marketing"}, "purpose"),
        ({"request_type": "teleportation"}, "type"),
        ({"notes": "x" * 4001}, "notes"),
    ],
)
def test_bad_input_is_a_clear_error_and_leaves_nothing(tenant_a, changes, field):
    arguments = {"phone": "+33612345678", **changes}
    with pytest.raises(Invalid) as refused:
        file(tenant_a.owner, now=NOW, **arguments)
    assert field in refused.value.fields
    assert refused.value.message
    _nothing_written(tenant_a.tenant)


def test_another_tenants_contact_id_is_unknown_here(tenant_a, tenant_b):
    theirs = contact_with(tenant_b, phone="+33612345678")
    with pytest.raises(Invalid) as refused:
        file(tenant_a.owner, contact_id=str(theirs.pk), now=NOW)
    assert "contact_id" in refused.value.fields
    _nothing_written(tenant_a.tenant)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT, Role.VIEWER])
def test_only_owners_and_privacy_officers_file(tenant_a, role):
    with pytest.raises(Forbidden):
        file(tenant_a.members[role], phone="+33612345678", now=NOW)
    _nothing_written(tenant_a.tenant)


def test_one_match_sets_the_contact_and_counts_and_starts_the_clock(tenant_a):
    contact = contact_with(tenant_a, phone="+33612345678", email="ana@example.org")
    message = MessageFactory(
        conversation__tenant=tenant_a.tenant,
        conversation__shop=tenant_a.shop,
        conversation__contact=contact,
        attachments=[{"name": "a.jpg"}, {"name": "b.pdf"}],
    )
    MessageFactory(conversation=message.conversation)

    dsr, created = file(tenant_a.members[Role.PRIVACY], phone="+33 6 12 34 56 78", now=NOW)

    assert created
    assert dsr.contact == contact
    assert dsr.counts == {
        "contacts": 1,
        "conversations": 1,
        "messages": 2,
        "notes": 0,
        "attachments": 2,
    }
    assert not dsr.paused
    assert dsr.state == DataSubjectRequest.State.RECEIVED
    # Monday 10:00 Paris + 72 working hours = Thursday 10:00 Paris.
    assert dsr.due_at == dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    assert [e.kind for e in dsr.events.all()] == ["received"]
    assert dsr.events.get().at == NOW
    filed = AuditEvent.objects.get(action="privacy.request_filed")
    assert (filed.target_kind, filed.target_id) == ("dsr", str(dsr.pk))
    assert filed.metadata == {
        "type": "erasure",
        "state": "received",
        "paused": False,
        "match": "one",
    }
    # The identifiers are stored encrypted and never reach the audit log.
    stored = DataSubjectRequest.objects.for_tenant(tenant_a.tenant).get(pk=dsr.pk)
    assert stored.subject_phone == "+33612345678"
    assert "+33612345678" not in str(list(AuditEvent.objects.values_list("metadata", flat=True)))


def test_an_email_in_another_case_matches(tenant_a):
    contact = contact_with(tenant_a, email="ana@example.org")
    dsr, _ = file(tenant_a.owner, email="  Ana@Example.ORG ", now=NOW)
    assert dsr.contact == contact


def test_identifiers_matching_nobody_file_the_request_paused(tenant_a):
    dsr, created = file(tenant_a.owner, phone="+33699999999", now=NOW)
    assert created and dsr.paused and dsr.contact is None
    assert dsr.due_at is None
    paused = dsr.events.get(kind="paused")
    assert paused.reason == matching.NO_MATCH
    assert AuditEvent.objects.get(action="privacy.request_paused").metadata["reason_code"] == (
        "match_none"
    )


def test_identifiers_matching_several_people_ask_for_the_contact_id(tenant_a):
    contact_with(tenant_a, phone="+33612345678")
    contact_with(tenant_a, email="ana@example.org")
    dsr, _ = file(tenant_a.owner, phone="+33612345678", email="ana@example.org", now=NOW)
    assert dsr.paused and dsr.contact is None
    assert dsr.events.get(kind="paused").reason == matching.SEVERAL


def test_the_contact_id_names_the_person_outright(tenant_a):
    first = contact_with(tenant_a, phone="+33612345678")
    contact_with(tenant_a, email="ana@example.org")
    dsr, _ = file(
        tenant_a.owner,
        phone="+33612345678",
        email="ana@example.org",
        contact_id=str(first.pk),
        now=NOW,
    )
    assert dsr.contact == first and not dsr.paused


def test_matching_looks_at_this_tenant_only(tenant_a, tenant_b):
    contact_with(tenant_b, phone="+33612345678")
    dsr, _ = file(tenant_a.owner, phone="+33612345678", now=NOW)
    assert dsr.contact is None and dsr.paused


def test_the_same_idempotency_key_returns_the_same_request(tenant_a):
    contact_with(tenant_a, phone="+33612345678")
    first, created = file(tenant_a.owner, phone="+33612345678", idempotency_key="k-1", now=NOW)
    again, created_again = file(
        tenant_a.owner, phone="+33612345678", idempotency_key="k-1", now=NOW
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert DataSubjectRequest.objects.for_tenant(tenant_a.tenant).count() == 1
    assert AuditEvent.objects.filter(action="privacy.request_filed").count() == 1


def test_two_filings_racing_with_one_key_end_with_one_request(tenant_a, monkeypatch):
    """The second filing looked the key up before the first one committed: the
    unique constraint refuses its row, and it answers with the first request."""
    contact_with(tenant_a, phone="+33612345678")
    first, _ = file(tenant_a.owner, phone="+33612345678", idempotency_key="k-1", now=NOW)
    lookups = []
    real = services._by_key

    def not_yet_committed(tenant, key):
        lookups.append(key)
        return None if len(lookups) == 1 else real(tenant, key)

    monkeypatch.setattr(services, "_by_key", not_yet_committed)
    again, created = file(tenant_a.owner, phone="+33612345678", idempotency_key="k-1", now=NOW)
    assert lookups == ["k-1", "k-1"]  # past the first look-up, refused by the constraint
    assert not created and again.pk == first.pk
    assert DataSubjectRequest.objects.for_tenant(tenant_a.tenant).count() == 1
    assert AuditEvent.objects.filter(action="privacy.request_filed").count() == 1
    assert RequestEvent.objects.filter(request=first).count() == 1


def test_a_key_reused_for_another_type_is_refused(tenant_a):
    file(tenant_a.owner, phone="+33612345678", idempotency_key="k-1", now=NOW)
    with pytest.raises(Conflict):
        file(tenant_a.owner, "access", phone="+33612345678", idempotency_key="k-1", now=NOW)


def test_keys_are_per_tenant(tenant_a, tenant_b):
    mine, _ = file(tenant_a.owner, phone="+33612345678", idempotency_key="k-1", now=NOW)
    theirs, created = file(tenant_b.owner, phone="+33612345678", idempotency_key="k-1", now=NOW)
    assert created and theirs.pk != mine.pk


def test_a_duplicate_of_an_open_request_is_linked_and_never_worked(tenant_a):
    contact = contact_with(tenant_a, phone="+33612345678", email="ana@example.org")
    original, _ = file(tenant_a.owner, phone="+33612345678", now=NOW)
    later = NOW + dt.timedelta(hours=1)

    duplicate, created = file(tenant_a.members[Role.PRIVACY], email="ana@example.org", now=later)

    assert created
    assert duplicate.duplicate_of == original
    assert duplicate.contact == contact
    assert duplicate.state == DataSubjectRequest.State.CANCELLED
    assert duplicate.closed_at == later
    assert [e.kind for e in duplicate.events.all()] == ["received", "linked"]
    assert [e.kind for e in original.events.all()] == ["received", "linked"]
    linked = AuditEvent.objects.get(action="privacy.request_linked")
    assert linked.metadata["duplicate_of"] == str(original.pk)
    # Another type: a request of its own.
    other, _ = file(tenant_a.owner, "access", phone="+33612345678", now=later)
    assert other.duplicate_of is None and other.state == "received"


def test_a_duplicate_is_found_by_blind_index_even_when_nobody_matches(tenant_a):
    original, _ = file(tenant_a.owner, phone="+33699999999", now=NOW)
    duplicate, _ = file(tenant_a.owner, phone="+33 6 99 99 99 99", now=NOW)
    assert original.paused
    assert duplicate.duplicate_of == original


def test_an_objection_for_another_purpose_is_not_a_duplicate(tenant_a):
    contact_with(tenant_a, phone="+33612345678")
    first, _ = file(tenant_a.owner, "objection", phone="+33612345678", purpose="marketing", now=NOW)
    second, _ = file(tenant_a.owner, "objection", phone="+33612345678", purpose="surveys", now=NOW)
    assert first.duplicate_of is None and second.duplicate_of is None


def test_rectification_keeps_normalised_corrections(tenant_a):
    contact_with(tenant_a, phone="+33612345678")
    dsr, _ = file(
        tenant_a.owner,
        "rectification",
        phone="+33612345678",
        corrections={"name": " Ana B. ", "email": "ANA@x.org", "phone": "+33 6 11 22 33 44"},
        now=NOW,
    )
    stored = DataSubjectRequest.objects.for_tenant(tenant_a.tenant).get(pk=dsr.pk)
    assert stored.corrections == {"name": "Ana B.", "email": "ana@x.org", "phone": "+33611223344"}
