"""Access grants, service by service, with the clock under control: a request
is checked whole before anything is written, the tenant approves as asked or
narrower, time ends requests and grants, and each email goes out once."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from audit.models import AuditEvent
from conversations.tests.factories import ConversationFactory
from instaply.errors import Conflict, Forbidden, Invalid
from platform_staff import tasks
from platform_staff.access import granted_conversations
from platform_staff.models import AccessGrant, AccessGrantConversation
from platform_staff.services.grants import (
    access_approve,
    access_deny,
    access_expiries_record,
    access_request,
    access_revoke,
)
from platform_staff.tests.conftest import make_staff
from tenants.models import Notice, Role
from tenants.permissions import Capability

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
Status = AccessGrant.Status


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def conversations(tenant_a):
    return [ConversationFactory(tenant=tenant_a.tenant, shop=tenant_a.shop) for _ in range(3)]


def ask(staff, world, conversations=(), **overrides):
    args = {
        "staff": staff,
        "tenant": world.tenant,
        "scope": "conversations" if conversations else "tenant",
        "reason_code": "customer_support_case",
        "case_reference": "CASE-1",
        "justification": "The customer cannot see their replies.",
        "hours": 4,
        "conversation_ids": [c.pk for c in conversations],
    }
    return access_request(**(args | overrides))


def events(action, tenant=None):
    rows = AuditEvent.objects.filter(action=action)
    return rows.filter(tenant=tenant) if tenant is not None else rows


def nothing_written(tenant):
    assert not AccessGrant.objects.for_tenant(tenant).exists()
    assert not AccessGrantConversation.objects.for_tenant(tenant).exists()
    assert not events("platform.access_requested").exists()
    assert not Notice.objects.for_tenant(tenant).exists()


# Requests ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"scope": "everything"}, "scope"),
        ({"reason_code": "curiosity"}, "reason_code"),
        ({"case_reference": "  "}, "case_reference"),
        ({"justification": ""}, "justification"),
        ({"hours": 0}, "hours"),
        ({"hours": 73}, "hours"),
        ({"hours": "four"}, "hours"),
        ({"scope": "conversations", "conversation_ids": []}, "conversations"),
        ({"scope": "conversations", "conversation_ids": ["not-an-id"]}, "conversations"),
    ],
)
def test_a_bad_request_is_refused_whole(support, tenant_a, overrides, field):
    with pytest.raises(Invalid) as refused:
        ask(support, tenant_a, **overrides)
    assert field in refused.value.fields
    nothing_written(tenant_a.tenant)


def test_other_reasons_need_no_case_reference(support, tenant_a):
    grant = ask(support, tenant_a, reason_code="incident_response", case_reference="")
    assert grant.status == Status.PENDING and grant.case_reference == ""


def test_another_tenants_conversations_cannot_be_asked_for(
    support, tenant_a, tenant_b, conversations
):
    theirs = ConversationFactory(tenant=tenant_b.tenant, shop=tenant_b.shop)
    with pytest.raises(Invalid) as refused:
        ask(support, tenant_a, conversations=[conversations[0], theirs])
    assert refused.value.fields == {"conversations": "unknown ids"}
    assert str(theirs.pk) in refused.value.message
    nothing_written(tenant_a.tenant)
    nothing_written(tenant_b.tenant)


def test_only_support_may_ask(tenant_a):
    dpo = make_staff(roles=("dpo",))
    with pytest.raises(Forbidden):
        ask(dpo, tenant_a)
    nothing_written(tenant_a.tenant)


def test_a_request_records_who_asked_from_where(tenant_a, conversations, clock):
    abroad = make_staff(country="US")
    grant = ask(abroad, tenant_a, conversations=conversations[:2], hours=6)
    assert (grant.requester_country, grant.transfer, grant.requested_hours) == ("US", True, 6)
    assert grant.decision_due_at == START + dt.timedelta(hours=72)
    (event,) = events("platform.access_requested", tenant_a.tenant)
    assert event.target_id == str(grant.pk)
    assert (
        event.metadata.items()
        >= {
            "grant": str(grant.pk),
            "role": "support",
            "country": "US",
            "transfer": True,
            "scope": "conversations",
            "hours": 6,
            "conversations": 2,
        }.items()
    )


def test_the_request_posts_an_in_app_notice_for_owners_and_admins(support, tenant_a):
    grant = ask(support, tenant_a)
    (notice,) = Notice.objects.for_tenant(tenant_a.tenant)
    assert notice.capability == Capability.MAINTENANCE_GRANT
    assert notice.kind == "platform_access.requested"
    assert notice.params["grant"] == str(grant.pk)
    assert notice.link == "/settings/platform-access/"


# Decisions -----------------------------------------------------------------------


def test_approve_as_asked(support, tenant_a, conversations, clock):
    grant = ask(support, tenant_a, conversations=conversations[:2])
    clock.shift(dt.timedelta(hours=1))
    grant = access_approve(membership=tenant_a.members[Role.ADMIN], grant=grant)
    assert grant.status == Status.APPROVED and grant.is_live()
    assert grant.approved_scope == "conversations" and grant.approved_hours == 4
    assert grant.expires_at == START + dt.timedelta(hours=5)
    assert set(granted_conversations(grant)) == set(conversations[:2])
    (event,) = events("platform.access_approved", tenant_a.tenant)
    assert event.metadata["narrowed"] is False


def test_approve_narrower_fewer_conversations_fewer_hours(support, tenant_a, conversations, clock):
    grant = ask(support, tenant_a, conversations=conversations[:2], hours=8)
    grant = access_approve(
        membership=tenant_a.owner, grant=grant, hours=1, conversation_ids=[conversations[0].pk]
    )
    assert grant.approved_hours == 1 and grant.expires_at == START + dt.timedelta(hours=1)
    assert list(granted_conversations(grant)) == [conversations[0]]
    (event,) = events("platform.access_approved", tenant_a.tenant)
    assert event.metadata["narrowed"] is True and event.metadata["conversations"] == 1


@pytest.mark.parametrize("hours", [5, 0, 73])
def test_approve_cannot_lengthen_the_request(support, tenant_a, hours):
    grant = ask(support, tenant_a, hours=4)
    with pytest.raises(Invalid):
        access_approve(membership=tenant_a.owner, grant=grant, hours=hours)
    grant.refresh_from_db()
    assert grant.status == Status.PENDING
    assert not events("platform.access_approved").exists()


def test_approve_cannot_widen_to_conversations_not_asked_for(support, tenant_a, conversations):
    grant = ask(support, tenant_a, conversations=conversations[:1])
    with pytest.raises(Invalid) as refused:
        access_approve(
            membership=tenant_a.owner,
            grant=grant,
            conversation_ids=[conversations[0].pk, conversations[2].pk],
        )
    assert refused.value.fields == {"conversations": "not requested"}
    grant.refresh_from_db()
    assert grant.status == Status.PENDING
    assert (
        not AccessGrantConversation.objects.for_tenant(tenant_a.tenant)
        .filter(approved=True)
        .exists()
    )


def test_a_whole_workspace_request_may_be_narrowed_to_conversations(
    support, tenant_a, conversations
):
    grant = ask(support, tenant_a)
    grant = access_approve(
        membership=tenant_a.owner, grant=grant, conversation_ids=[conversations[1].pk]
    )
    assert grant.scope == "tenant" and grant.approved_scope == "conversations"
    assert list(granted_conversations(grant)) == [conversations[1]]
    row = AccessGrantConversation.objects.for_tenant(tenant_a.tenant).get(grant=grant)
    assert (row.requested, row.approved) == (False, True)


def _approved(grant, world):
    return access_approve(membership=world.owner, grant=grant)


def test_a_whole_workspace_grant_covers_every_conversation(support, tenant_a, conversations):
    grant = _approved(ask(support, tenant_a), tenant_a)
    assert set(granted_conversations(grant)) == set(conversations)


def test_narrowing_cannot_reach_another_tenant(support, tenant_a, tenant_b):
    theirs = ConversationFactory(tenant=tenant_b.tenant, shop=tenant_b.shop)
    grant = ask(support, tenant_a)
    with pytest.raises(Invalid):
        access_approve(membership=tenant_a.owner, grant=grant, conversation_ids=[theirs.pk])
    grant.refresh_from_db()
    assert grant.status == Status.PENDING


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER, Role.PRIVACY])
def test_only_owners_and_admins_decide(support, tenant_a, role):
    grant = ask(support, tenant_a)
    for decide in (access_approve, access_deny):
        with pytest.raises(Forbidden):
            decide(membership=tenant_a.members[role], grant=grant)
    grant.refresh_from_db()
    assert grant.status == Status.PENDING


def test_another_tenants_admin_cannot_decide(support, tenant_a, tenant_b):
    grant = ask(support, tenant_a)
    with pytest.raises(Exception):  # noqa: B017 - the scoping guard's own error
        access_approve(membership=tenant_b.owner, grant=grant)
    grant.refresh_from_db()
    assert grant.status == Status.PENDING


def test_deny_then_no_second_answer(support, tenant_a, clock):
    grant = ask(support, tenant_a)
    grant = access_deny(membership=tenant_a.owner, grant=grant, note="Not needed.")
    assert grant.status == Status.DENIED and grant.decision_note == "Not needed."
    assert grant.state() == Status.DENIED and not grant.is_live()
    assert events("platform.access_denied_by_tenant", tenant_a.tenant).count() == 1
    with pytest.raises(Conflict):
        access_approve(membership=tenant_a.owner, grant=grant)
    with pytest.raises(Conflict):
        access_deny(membership=tenant_a.owner, grant=grant)


def test_an_unanswered_request_expires_after_72_hours(support, tenant_a, clock):
    grant = ask(support, tenant_a)
    clock.shift(dt.timedelta(hours=71, minutes=59))
    assert grant.state() == Status.PENDING
    clock.shift(dt.timedelta(minutes=1))
    assert grant.state() == Status.EXPIRED
    with pytest.raises(Conflict, match="expired"):
        access_approve(membership=tenant_a.owner, grant=grant)
    with pytest.raises(Conflict):
        access_deny(membership=tenant_a.owner, grant=grant)
    grant.refresh_from_db()
    assert grant.status == Status.PENDING and grant.expires_at is None


# Ends ----------------------------------------------------------------------------


def test_revoke_ends_a_live_grant_at_once(support, tenant_a, clock):
    grant = _approved(ask(support, tenant_a), tenant_a)
    clock.shift(dt.timedelta(minutes=10))
    grant = access_revoke(membership=tenant_a.members[Role.ADMIN], grant=grant)
    assert grant.status == Status.REVOKED and not grant.is_live()
    assert grant.revoked_at == START + dt.timedelta(minutes=10)
    assert events("platform.access_revoked", tenant_a.tenant).count() == 1
    with pytest.raises(Conflict):
        access_revoke(membership=tenant_a.owner, grant=grant)


def test_only_a_live_grant_can_be_revoked(support, tenant_a, clock):
    pending = ask(support, tenant_a)
    with pytest.raises(Conflict):
        access_revoke(membership=tenant_a.owner, grant=pending)
    denied = access_deny(membership=tenant_a.owner, grant=ask(support, tenant_a))
    with pytest.raises(Conflict):
        access_revoke(membership=tenant_a.owner, grant=denied)
    lapsed = _approved(ask(support, tenant_a, hours=1), tenant_a)
    clock.shift(dt.timedelta(hours=1))
    assert lapsed.state() == Status.EXPIRED
    with pytest.raises(Conflict):
        access_revoke(membership=tenant_a.owner, grant=lapsed)
    assert not events("platform.access_revoked").exists()


def test_each_expiry_is_recorded_once(support, tenant_a, tenant_b, clock):
    unanswered = ask(support, tenant_a)
    short = _approved(ask(support, tenant_a, hours=2), tenant_a)
    long = _approved(ask(support, tenant_b, hours=72), tenant_b)
    revoked = access_revoke(
        membership=tenant_a.owner, grant=_approved(ask(support, tenant_a, hours=1), tenant_a)
    )
    assert access_expiries_record() == 0
    clock.shift(dt.timedelta(hours=2))
    assert access_expiries_record() == 1
    clock.shift(dt.timedelta(hours=70))
    assert access_expiries_record() == 2  # the request unanswered, the 72-hour grant
    assert access_expiries_record() == 0
    assert tasks.record_access_expiries() == 0
    recorded = {e.target_id: e for e in events("platform.access_expired")}
    assert set(recorded) == {str(unanswered.pk), str(short.pk), str(long.pk)}
    assert str(revoked.pk) not in recorded
    assert recorded[str(unanswered.pk)].metadata["was"] == "pending"
    assert recorded[str(short.pk)].metadata["was"] == "approved"
    assert recorded[str(long.pk)].tenant_id == tenant_b.tenant.pk


# Emails --------------------------------------------------------------------------


def test_the_request_email_goes_to_owners_and_admins_once(
    support, tenant_a, conversations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grant = ask(support, tenant_a, conversations=conversations[:2])
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted(
        [tenant_a.owner.user.email, tenant_a.members[Role.ADMIN].user.email]
    )
    assert tenant_a.tenant.name in mail.outbox[0].subject
    body = mail.outbox[0].body
    assert "CASE-1" in body and "/settings/platform-access/" in body
    assert "2 listed conversations" in body
    # A retried task finds the mark and sends nothing more.
    assert tasks.notify_access_request(str(grant.pk)) is False
    assert len(mail.outbox) == 2


def test_a_revoked_admin_is_not_told(support, tenant_a, django_capture_on_commit_callbacks):
    admin = tenant_a.members[Role.ADMIN]
    admin.revoked_at = START
    admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        ask(support, tenant_a)
    assert [m.to for m in mail.outbox] == [[tenant_a.owner.user.email]]


def test_each_decision_email_goes_to_the_requester_once(
    support, tenant_a, django_capture_on_commit_callbacks
):
    grant = ask(support, tenant_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        grant = access_approve(membership=tenant_a.owner, grant=grant, note="One hour is enough.")
    (approved,) = mail.outbox
    assert approved.to == [support.user.email]
    assert "approved" in approved.subject
    assert "One hour is enough." in approved.body
    assert f"/platform/grants/{grant.pk}/" in approved.body
    assert tasks.notify_access_decision(str(grant.pk)) is False
    with django_capture_on_commit_callbacks(execute=True):
        access_revoke(membership=tenant_a.owner, grant=grant)
    assert [m.subject for m in mail.outbox][1].endswith("revoked")
    assert tasks.notify_access_decision(str(grant.pk)) is False
    assert len(mail.outbox) == 2


def test_a_denial_is_mailed_once(support, tenant_a, django_capture_on_commit_callbacks):
    grant = ask(support, tenant_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        access_deny(membership=tenant_a.owner, grant=grant)
    assert [m.to for m in mail.outbox] == [[support.user.email]]
    assert "denied" in mail.outbox[0].subject
    assert tasks.notify_access_decision(str(grant.pk)) is False
    assert len(mail.outbox) == 1


def test_the_email_of_a_pending_request_is_not_a_decision(support, tenant_a):
    grant = ask(support, tenant_a)
    mail.outbox.clear()
    assert tasks.notify_access_decision(str(grant.pk)) is False
    assert mail.outbox == []
