"""The disclosure register's services: who may write, what is valid, what is
audited and who is told."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from audit.models import AuditEvent
from instaply.errors import Conflict, Forbidden, Invalid
from platform_staff.models import Disclosure
from platform_staff.selectors.disclosures import disclosures_told
from platform_staff.services.disclosures import (
    disclosure_correct,
    disclosure_mark_informed,
    disclosure_record,
)
from platform_staff.tests.disclosure_helpers import platform_person
from tenants.models import Notice, Role

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
FREE_TEXT = {
    "authority": "Parquet de Paris, section cyber",
    "legal_basis": "Article 60-1 du code de procédure pénale",
    "data_scope": "Messages of one contact, 1-5 March",
    "withheld_reason": "Court order 2026/117 forbids telling",
}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def security():
    return platform_person("security")


def record(staff, tenant, **overrides):
    values = {
        "disclosed_on": TODAY - dt.timedelta(days=2),
        "authority": FREE_TEXT["authority"],
        "legal_basis": FREE_TEXT["legal_basis"],
        "data_scope": FREE_TEXT["data_scope"],
        "tenant_informed": True,
    } | overrides
    return disclosure_record(staff=staff, tenant=tenant, **values)


def withheld(staff, tenant, **overrides):
    values = {
        "tenant_informed": False,
        "withheld_reason": FREE_TEXT["withheld_reason"],
        "inform_by": TODAY + dt.timedelta(days=30),
    }
    return record(staff, tenant, **(values | overrides))


def events(action=None):
    rows = AuditEvent.objects.dangerously_unscoped(reason="test reads every event").order_by(
        "created_at"
    )
    rows = rows.filter(action__startswith="platform.disclosure")
    return list(rows.filter(action=action) if action else rows)


def assert_no_free_text(event):
    dumped = repr(event.metadata)
    for text in FREE_TEXT.values():
        assert text not in dumped


@pytest.mark.parametrize("roles", [("support",), ("dpo",), ("support", "dpo")])
def test_only_platform_security_writes_the_register(tenant_a, roles, security):
    other = platform_person(*roles)
    with pytest.raises(Forbidden):
        record(other, tenant_a.tenant)
    entry = withheld(security, tenant_a.tenant)
    with pytest.raises(Forbidden):
        disclosure_mark_informed(staff=other, disclosure=entry)
    with pytest.raises(Forbidden):
        disclosure_correct(staff=other, disclosure=entry, authority="x")
    assert Disclosure.objects.for_tenant(tenant_a.tenant).count() == 1
    assert len(events()) == 1


def test_a_deactivated_security_person_cannot_write(tenant_a, security):
    security.deactivated_at = NOW
    security.save()
    with pytest.raises(Forbidden):
        record(security, tenant_a.tenant)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"disclosed_on": TODAY + dt.timedelta(days=1)}, "disclosed_on"),
        ({"disclosed_on": "last tuesday"}, "disclosed_on"),
        ({"authority": "   "}, "authority"),
        ({"authority": "a" * 201}, "authority"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"legal_basis": "b" * 301}, "legal_basis"),
        ({"data_scope": ""}, "data_scope"),
        ({"data_scope": "c" * 2001}, "data_scope"),
        ({"tenant_informed": False, "inform_by": TODAY + dt.timedelta(days=9)}, "withheld_reason"),
        ({"tenant_informed": False, "withheld_reason": "gag"}, "inform_by"),
        (
            {"tenant_informed": False, "withheld_reason": "r" * 301, "inform_by": TODAY},
            "withheld_reason",
        ),
        (
            {
                "tenant_informed": False,
                "withheld_reason": "gag",
                "inform_by": TODAY - dt.timedelta(days=1),
            },
            "inform_by",
        ),
    ],
)
def test_invalid_entries_are_refused_and_leave_nothing(
    tenant_a, security, overrides, field, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Invalid) as refused:
        record(security, tenant_a.tenant, **overrides)
    assert field in refused.value.fields
    assert not Disclosure.objects.for_tenant(tenant_a.tenant).exists()
    assert events() == []
    assert not Notice.objects.for_tenant(tenant_a.tenant).exists()
    assert mail.outbox == []


def test_an_entry_told_at_once_is_audited_in_the_tenant_log_noticed_and_emailed_to_owners(
    tenant_a, security, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = record(security, tenant_a.tenant)
    [event] = events()
    assert event.action == "platform.disclosure_recorded"
    assert event.tenant_id == tenant_a.tenant.pk
    assert event.actor_kind == "platform_staff"
    assert event.target_kind == "disclosure" and event.target_id == str(entry.pk)
    assert event.metadata["informed"] is True
    assert event.metadata["role"] == "security" and event.metadata["country"] == "FR"
    assert event.metadata["disclosed_on"] == f"{entry.disclosed_on}T00:00:00+00:00"
    assert_no_free_text(event)
    [notice] = Notice.objects.for_tenant(tenant_a.tenant)
    assert notice.capability == "disclosures.read" and notice.kind == "disclosure.informed"
    assert [m.to for m in mail.outbox] == [[tenant_a.owner.user.email]]
    assert FREE_TEXT["authority"] not in mail.outbox[0].body
    assert list(disclosures_told(tenant=tenant_a.tenant)) == [entry]


def test_a_withheld_entry_is_invisible_until_told_then_owners_only_are_told(
    tenant_a, security, django_capture_on_commit_callbacks
):
    second_owner = tenant_a.members[Role.OWNER].__class__.objects.create(
        tenant=tenant_a.tenant,
        user=type(tenant_a.owner.user).objects.create_user(email="o2@staff.example"),
        role=Role.OWNER,
    )
    with django_capture_on_commit_callbacks(execute=True):
        entry = withheld(security, tenant_a.tenant)
    assert list(disclosures_told(tenant=tenant_a.tenant)) == []
    assert not Notice.objects.for_tenant(tenant_a.tenant).exists()
    assert mail.outbox == []
    [recorded] = events()
    # Not in the tenant's audit log (its export), yet it names the tenant by id.
    assert recorded.tenant_id is None
    assert recorded.metadata["tenant_id"] == str(tenant_a.tenant.pk)
    assert recorded.metadata["informed"] is False
    assert recorded.metadata["inform_by"] == f"{entry.inform_by}T00:00:00+00:00"
    assert_no_free_text(recorded)

    with django_capture_on_commit_callbacks(execute=True):
        disclosure_mark_informed(staff=security, disclosure=entry)
    assert list(disclosures_told(tenant=tenant_a.tenant)) == [entry]
    [informed] = events("platform.disclosure_informed")
    assert informed.tenant_id == tenant_a.tenant.pk
    assert informed.metadata["overdue"] is False
    assert_no_free_text(informed)
    [notice] = Notice.objects.for_tenant(tenant_a.tenant)
    assert notice.capability == "disclosures.read"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [tenant_a.owner.user.email, second_owner.user.email]
    )
    admins = {tenant_a.members[r].user.email for r in Role.values if r != Role.OWNER}
    assert not admins & {m.to[0] for m in mail.outbox}


def test_telling_twice_is_refused_and_the_email_goes_once(
    tenant_a, security, django_capture_on_commit_callbacks
):
    from platform_staff.tasks import notify_disclosure

    with django_capture_on_commit_callbacks(execute=True):
        entry = withheld(security, tenant_a.tenant)
        disclosure_mark_informed(staff=security, disclosure=entry)
    with pytest.raises(Conflict):
        disclosure_mark_informed(staff=security, disclosure=entry)
    assert notify_disclosure(str(entry.pk)) is False  # a retried task sends nothing more
    assert len(mail.outbox) == 1
    assert len(events("platform.disclosure_informed")) == 1


def test_telling_after_the_date_is_recorded_as_overdue(tenant_a, security):
    entry = withheld(security, tenant_a.tenant, inform_by=TODAY)
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        disclosure_mark_informed(staff=security, disclosure=entry)
    assert events("platform.disclosure_informed")[0].metadata["overdue"] is True


def test_a_correction_names_the_fields_never_their_words(tenant_a, security):
    entry = withheld(security, tenant_a.tenant)
    later = TODAY + dt.timedelta(days=90)
    disclosure_correct(
        staff=security,
        disclosure=entry,
        authority="Parquet de Lyon",
        inform_by=later,
        legal_basis=FREE_TEXT["legal_basis"],  # unchanged: not named
    )
    entry.refresh_from_db()
    assert entry.authority == "Parquet de Lyon" and entry.inform_by == later
    [event] = events("platform.disclosure_corrected")
    assert event.metadata["fields"] == ["authority", "inform_by"]
    assert event.tenant_id is None  # still withheld
    assert "Lyon" not in repr(event.metadata)
    assert_no_free_text(event)


def test_a_correction_is_validated_like_an_entry_and_leaves_nothing_when_refused(
    tenant_a, security
):
    entry = withheld(security, tenant_a.tenant)
    for changes in (
        {"inform_by": TODAY - dt.timedelta(days=1)},
        {"withheld_reason": ""},
        {"authority": ""},
        {"disclosed_on": TODAY + dt.timedelta(days=1)},
        {"recorded_by": None},
    ):
        with pytest.raises(Invalid):
            disclosure_correct(staff=security, disclosure=entry, **changes)
    told = record(security, tenant_a.tenant)
    with pytest.raises(Conflict):
        disclosure_correct(staff=security, disclosure=told, inform_by=TODAY)
    assert events("platform.disclosure_corrected") == []
    assert disclosure_correct(staff=security, disclosure=told, authority=told.authority) == told
    assert events("platform.disclosure_corrected") == []


def test_correcting_a_told_entry_notices_its_owners(tenant_a, security):
    entry = record(security, tenant_a.tenant)
    disclosure_correct(staff=security, disclosure=entry, data_scope="Two contacts")
    kinds = sorted(Notice.objects.for_tenant(tenant_a.tenant).values_list("kind", flat=True))
    assert kinds == ["disclosure.corrected", "disclosure.informed"]
    assert events("platform.disclosure_corrected")[0].tenant_id == tenant_a.tenant.pk


def test_a_tenant_sees_only_its_own_told_entries(tenant_a, tenant_b, security):
    mine = record(security, tenant_a.tenant)
    record(security, tenant_b.tenant)
    withheld(security, tenant_b.tenant)
    assert list(disclosures_told(tenant=tenant_a.tenant)) == [mine]
    assert len(disclosures_told(tenant=tenant_b.tenant)) == 1
