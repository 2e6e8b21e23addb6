"""The ledger itself: append-only, the state is the newest entry, each entry
carries the policy version then in force, and it goes with its contact."""

import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.recorder import Actor
from conversations.models import Contact
from privacy.consent.models import ConsentEntry
from privacy.consent.selectors import (
    consent_current,
    consent_given,
    consent_ledger,
    consent_states,
    readable_details,
)
from privacy.consent.services import consent_give, consent_record, consent_withdraw
from privacy.crypto import is_erased
from privacy.dsr.erasure import erase_subject
from privacy.dsr.tests.erasure_support import erasure_request, no_progress
from privacy.services.keys import data_key_destroy

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(tenant_a):
    person = Contact(tenant=tenant_a.tenant, name="Inès Petit")
    person.save(force_insert=True)
    return person


def _give(contact, **kwargs):
    kwargs.setdefault("text", "Health details, to answer me.")
    return consent_give(
        contact=contact, purpose="special_category_data", channel="widget", **kwargs
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)
def test_an_entry_cannot_be_changed_on_postgresql(contact):
    entry = _give(contact)
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentEntry.objects.for_tenant(contact.tenant_id).filter(pk=entry.pk).update(
            action="withdrawn"
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.text = "something else"
        entry.save(update_fields=["text"])
    entry.refresh_from_db()
    assert (entry.action, entry.text) == ("given", "Health details, to answer me.")


def test_the_state_is_the_newest_entry_whatever_the_order_of_writing(contact):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        first = _give(contact)
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        withdrawn = consent_withdraw(
            contact=contact, purpose="special_category_data", channel="staff"
        )
    assert consent_current(contact, "special_category_data") == withdrawn
    assert not consent_given(contact, "special_category_data")
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        again = _give(contact, text_version="2")
    consent_record(
        contact=contact, purpose="marketing", action="given", channel="staff", text="News"
    )
    assert consent_given(contact, "special_category_data")
    assert consent_current(contact, "special_category_data") == again
    ledger = consent_ledger(contact)
    assert [e.pk for e in ledger][:3] == [first.pk, withdrawn.pk, again.pk]
    states = consent_states(ledger)
    assert {p: e.action for p, e in states.items()} == {
        "special_category_data": "given",
        "marketing": "given",
    }
    assert consent_current(contact, "sms_messages") is None


def test_each_entry_records_the_policy_version_in_force_at_its_time(contact, policies):
    now = policies
    with time_machine.travel(now - dt.timedelta(days=30), tick=False):
        old = _give(contact)
    with time_machine.travel(now - dt.timedelta(days=90), tick=False):
        before_any = consent_record(
            contact=contact, purpose="marketing", action="given", channel="staff", text="x"
        )
    recent = consent_withdraw(contact=contact, purpose="special_category_data", channel="staff")
    assert (old.policy_version, recent.policy_version) == ("2026-01", "2026-02")
    assert before_any.policy_version == ""


def test_recording_is_audited_without_content(contact, tenant_a):
    entry = _give(contact, text_version="4", details={"visitor_id": "v"})
    event = AuditEvent.objects.for_tenant(tenant_a.tenant).get(action="consent.given")
    assert (event.target_kind, event.target_id) == ("contact", str(contact.pk))
    assert event.metadata == {
        "purpose": "special_category_data",
        "channel": "widget",
        "entry_id": str(entry.pk),
        "text_version": "4",
    }
    assert "Health" not in str(event.metadata)


def test_details_are_encrypted_and_unreadable_once_the_contact_key_is_destroyed(contact):
    entry = _give(contact, details={"visitor_id": "visitor-secret-id"})
    stored = bytes(ConsentEntry.objects.filter(pk=entry.pk).values_list("details", flat=True).get())
    assert b"visitor-secret-id" not in stored
    assert readable_details(ConsentEntry.objects.get(pk=entry.pk)) == {
        "visitor_id": "visitor-secret-id"
    }
    data_key_destroy(tenant_id=contact.tenant_id, subject_id=contact.pk, actor=Actor.system("t"))
    erased = ConsentEntry.objects.get(pk=entry.pk)
    assert is_erased(erased.details)
    assert readable_details(erased) == {}
    # What staff see of the entry stays: purpose, action, channel, times.
    assert (erased.purpose, erased.action, erased.channel) == (
        "special_category_data",
        "given",
        "widget",
    )


def test_the_ledger_goes_with_its_contact_and_the_receipt_counts_it(contact, tenant_a):
    _give(contact)
    consent_withdraw(contact=contact, purpose="special_category_data", channel="staff")
    request = erasure_request(tenant_a.tenant, contact)
    counts = erase_subject(request, contact, no_progress)["erased"]
    assert counts["consent_entries"] == 2
    assert not ConsentEntry.objects.filter(contact_id=contact.pk).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)
def test_deleting_the_recorder_clears_it_but_the_recorder_cannot_be_rewritten(contact):
    from tenants.models import Membership

    tenant = contact.tenant
    members = list(Membership.objects.for_tenant(tenant)[:2])
    assert len(members) == 2, "the fixture tenant has two members"
    entry = _give(contact, recorded_by=members[0])
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentEntry.objects.for_tenant(tenant).filter(pk=entry.pk).update(recorded_by=members[1])
    # A deleted membership (a tenant closing down) leaves the entry, without its recorder.
    Membership.objects.for_tenant(tenant).filter(pk=members[0].pk).delete()
    entry.refresh_from_db()
    assert entry.recorded_by_id is None and entry.action == "given"
