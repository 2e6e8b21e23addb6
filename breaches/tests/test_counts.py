"""Counts of subjects and records per affected tenant (breaches/counts.py)."""

import datetime as dt

import pytest
import time_machine

from audit.recorder import Actor
from breaches.counts import counts_for
from breaches.scope import scope_clean
from breaches.tests.helpers import NOW, event
from conversations.models import Contact, Note
from conversations.tests.factories import ContactFactory, MessageFactory
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def at(moment, factory, **kwargs):
    with time_machine.travel(moment, tick=False):
        return factory(**kwargs)


def note(conversation):
    return Note.objects.create(
        tenant=conversation.tenant,
        conversation=conversation,
        contact=conversation.contact,
        author=None,
        body="private",
    )


def counts(scope, tenants, data, subjects=("end_users",)):
    return counts_for(
        scope=scope_clean(scope, now=NOW),
        tenant_ids=[tenant.pk for tenant in tenants],
        data_categories=data,
        subject_categories=subjects,
        aware_at=NOW - HOUR,
    )


def test_without_a_window_everything_that_existed_at_awareness_counts():
    tenant, untouched = TenantFactory(), TenantFactory()
    at(NOW - 50 * HOUR, MessageFactory, conversation__tenant=tenant)
    conversation = at(NOW - 40 * HOUR, MessageFactory, conversation__tenant=tenant).conversation
    at(NOW - 40 * HOUR, note, conversation=conversation)
    at(NOW - 30 * HOUR, MessageFactory, conversation=conversation)
    at(NOW - 0.5 * HOUR, MessageFactory, conversation__tenant=tenant)  # after awareness
    at(NOW - 40 * HOUR, MessageFactory, conversation__tenant=untouched)

    scope = {"kind": "explicit", "tenants": [str(tenant.pk)]}
    # Two contacts, three messages then; one note.
    assert counts(scope, [tenant], ["message_content"]) == {tenant.pk: (2, 3)}
    assert counts(scope, [tenant], ["message_content", "notes"]) == {tenant.pk: (2, 4)}
    # Names: the contact rows are the records.
    assert counts(scope, [tenant], ["contact_identity", "contact_details"]) == {tenant.pk: (2, 2)}


def test_a_window_counts_what_existed_in_it():
    tenant = TenantFactory()
    erased_before = at(NOW - 50 * HOUR, ContactFactory, tenant=tenant)
    Contact.objects.for_tenant(tenant).filter(pk=erased_before.pk).update(erased_at=NOW - 20 * HOUR)
    at(NOW - 50 * HOUR, ContactFactory, tenant=tenant)
    at(NOW - 12 * HOUR, ContactFactory, tenant=tenant)
    at(NOW - 2 * HOUR, ContactFactory, tenant=tenant)  # after the window
    window = {"start": (NOW - 15 * HOUR).isoformat(), "end": (NOW - 5 * HOUR).isoformat()}
    scope = {"kind": "explicit", "tenants": [str(tenant.pk)], **window}

    assert counts(scope, [tenant], ["contact_identity"]) == {tenant.pk: (2, 2)}


def test_minors_alone_count_only_minors():
    tenant = TenantFactory()
    at(NOW - 40 * HOUR, ContactFactory, tenant=tenant, age_status="adult")
    at(NOW - 40 * HOUR, ContactFactory, tenant=tenant, age_status="under_15")
    scope = {"kind": "explicit", "tenants": [str(tenant.pk)]}
    assert counts(scope, [tenant], ["contact_identity"], ("minors",)) == {tenant.pk: (1, 1)}
    assert counts(scope, [tenant], ["contact_identity"], ("end_users", "minors")) == {
        tenant.pk: (2, 2)
    }


def test_audit_scope_counts_the_distinct_targets_touched():
    touched, broad = TenantFactory(), TenantFactory()
    one = at(NOW - 40 * HOUR, MessageFactory, conversation__tenant=touched).conversation
    two = at(NOW - 40 * HOUR, MessageFactory, conversation__tenant=touched).conversation
    at(NOW - 40 * HOUR, MessageFactory, conversation__tenant=touched)  # never read
    read = "conversation.exported"
    for target in (one, one, two):
        event(touched, read, at=NOW - 5 * HOUR, target=("conversation", target.pk))
    event(touched, read, at=NOW - 5 * HOUR, target=("contact", one.contact_id))
    # A tenant-wide event: what it touched is not known, the category rule applies.
    at(NOW - 40 * HOUR, ContactFactory, tenant=broad)
    event(broad, read, at=NOW - 5 * HOUR, target=("tenant", broad.pk))
    window = {"start": (NOW - 10 * HOUR).isoformat(), "end": (NOW - 2 * HOUR).isoformat()}
    scope = {"kind": "audit", "actions": [read], **window}

    result = counts(scope, [touched, broad], ["message_content"])
    # Two contacts behind the targets; three distinct targets (two conversations, one contact).
    assert result[touched.pk] == (2, 3)
    assert result[broad.pk] == (1, 0)


def test_staff_categories_count_memberships_that_existed():
    tenant = TenantFactory()
    at(NOW - 50 * HOUR, MembershipFactory, tenant=tenant)
    revoked = at(NOW - 50 * HOUR, MembershipFactory, tenant=tenant)
    revoked.revoked_at = NOW - 40 * HOUR
    revoked.save(update_fields=["revoked_at"])
    at(NOW - 50 * HOUR, MembershipFactory, tenant=tenant, revoked_at=NOW - 2 * HOUR)
    member = at(NOW - 50 * HOUR, MembershipFactory, tenant=tenant)
    event(tenant, "auth.login.succeeded", at=NOW - 5 * HOUR, actor=Actor.member(member))
    window = {"start": (NOW - 10 * HOUR).isoformat(), "end": (NOW - 3 * HOUR).isoformat()}
    scope = {"kind": "explicit", "tenants": [str(tenant.pk)], **window}

    assert counts(scope, [tenant], ["staff_accounts"], ("tenant_staff",)) == {tenant.pk: (3, 3)}
    assert counts(scope, [tenant], ["login_data"], ("tenant_staff",)) == {tenant.pk: (3, 1)}


def test_counting_loads_no_rows(django_assert_max_num_queries):
    tenants = [TenantFactory() for _ in range(3)]
    for tenant in tenants:
        at(NOW - 40 * HOUR, MessageFactory, conversation__tenant=tenant)
    scope = scope_clean({"kind": "explicit", "tenants": [str(t.pk) for t in tenants]}, now=NOW)
    data = ["message_content", "notes", "contact_identity", "staff_accounts", "audit_records"]
    # One grouped count per table, whatever the number of tenants.
    with django_assert_max_num_queries(7):
        result = counts_for(
            scope=scope,
            tenant_ids=[t.pk for t in tenants],
            data_categories=data,
            subject_categories=["end_users", "tenant_staff"],
            aware_at=NOW,
        )
    assert all(subjects >= 1 and records >= 2 for subjects, records in result.values())
