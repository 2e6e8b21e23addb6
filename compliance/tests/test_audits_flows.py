"""The steps of an audit request after filing: the DPO accepts, or proposes
another date that the tenant's owner accepts; cancelling; each step audited,
emailed to the right people once, and noticed in the workspace."""

import datetime as dt

import pytest
from django.core import mail

from audit import actions
from audit.models import AuditEvent
from compliance.audits import services
from compliance.audits.emails import audit_request_email
from compliance.audits.services import AuditRequestRefused
from compliance.models import AuditRequest
from compliance.tests import audits_helpers
from compliance.tests.audits_helpers import NOW, days, filed
from platform_staff.tests.console_helpers import make_platform_person
from tenants.models import Notice

pytestmark = pytest.mark.django_db
# The helpers' fixtures, in this module's namespace for pytest to find.
clock, dpo, package_dir = audits_helpers.clock, audits_helpers.dpo, audits_helpers.package_dir


def events(world, action):
    return list(AuditEvent.objects.for_tenant(world.tenant).filter(action=action))


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_filing_is_audited_and_emailed_to_the_dpos(
    clock, tenant_a, dpo, django_capture_on_commit_callbacks
):
    make_platform_person(("security",))  # not a DPO: not told
    with django_capture_on_commit_callbacks(execute=True):
        audit = filed(tenant_a, days(40))
    (event,) = events(tenant_a, actions.AUDIT_REQUEST_FILED)
    assert event.target_id == str(audit.pk)
    assert event.actor_member_id == tenant_a.owner.pk
    assert event.metadata == {"proposed_date": days(40).isoformat()}
    assert recipients() == [dpo.user.email]
    assert tenant_a.tenant.slug in mail.outbox[0].subject
    assert f"/platform/audits/{audit.pk}/" in mail.outbox[0].body
    # Sent once: the task run again finds its mark.
    assert not audit_request_email(
        request_id=audit.pk, step="filed", audience="dpo", key=days(40).isoformat()
    )
    assert len(mail.outbox) == 1


def test_the_dpo_accepts_the_proposed_date(
    clock, tenant_a, dpo, django_capture_on_commit_callbacks
):
    audit = filed(tenant_a, days(40))
    with django_capture_on_commit_callbacks(execute=True):
        audit = services.audit_request_accept(staff=dpo, request=audit, now=NOW)
    audit.refresh_from_db()
    assert audit.state == AuditRequest.State.ACCEPTED
    assert audit.agreed_date == days(40)
    assert audit.decided_by == dpo and audit.accepted_at == NOW
    assert audit.package_state == AuditRequest.Package.READY  # the task ran eagerly
    (event,) = events(tenant_a, actions.AUDIT_REQUEST_ACCEPTED)
    assert event.actor_kind == "platform_staff"
    assert event.metadata == {"agreed_date": days(40).isoformat(), "by": "platform"}
    notices = Notice.objects.for_tenant(tenant_a.tenant).order_by("created_at")
    assert [(n.kind, n.capability) for n in notices] == [
        ("audit_request.accepted", "audit.request"),
        ("audit_request.package_ready", "audit.request"),
    ]
    assert notices[0].params == {"request": str(audit.pk), "date": days(40).isoformat()}
    assert notices[0].link == f"/settings/audits/#audit-{audit.pk}"
    # The owners (only) got both emails; nothing went to the DPO for the platform's own step.
    assert recipients() == [tenant_a.owner.user.email] * 2
    assert [m.subject for m in mail.outbox] == [
        "Your audit request was accepted",
        "The evidence package of your audit is ready",
    ]


def test_a_counter_proposal_accepted_by_the_owner(
    clock, tenant_a, dpo, django_capture_on_commit_callbacks
):
    audit = filed(tenant_a, days(31))
    later = days(50)
    with django_capture_on_commit_callbacks(execute=True):
        audit = services.audit_request_counter_propose(
            staff=dpo, request=audit, date=later, note="Our auditors are busy that week.", now=NOW
        )
    assert audit.state == AuditRequest.State.COUNTER_PROPOSED
    assert audit.counter_date == later and audit.platform_note.startswith("Our auditors")
    (event,) = events(tenant_a, actions.AUDIT_REQUEST_COUNTER_PROPOSED)
    assert event.metadata == {"counter_date": later.isoformat(), "staff": str(dpo.pk)}
    assert Notice.objects.for_tenant(tenant_a.tenant).get().kind == (
        "audit_request.counter_proposed"
    )
    assert recipients() == [tenant_a.owner.user.email]
    assert "Our auditors are busy that week." in mail.outbox[0].body

    # The DPO cannot accept the tenant's first date any more; the owner accepts the new one.
    with pytest.raises(AuditRequestRefused) as refused:
        services.audit_request_accept(staff=dpo, request=audit, now=NOW)
    assert refused.value.code == "wrong_state"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        audit = services.audit_request_accept(membership=tenant_a.owner, request=audit, now=NOW)
    audit.refresh_from_db()
    assert audit.state == AuditRequest.State.ACCEPTED and audit.agreed_date == later
    assert audit.package_state == AuditRequest.Package.READY
    (event,) = events(tenant_a, actions.AUDIT_REQUEST_ACCEPTED)
    assert event.metadata == {"agreed_date": later.isoformat(), "by": "tenant"}
    assert event.actor_member_id == tenant_a.owner.pk
    assert dpo.user.email in recipients()  # the tenant answered: the DPO is told
    assert tenant_a.owner.user.email in recipients()


def test_the_counter_date_follows_the_same_rules(clock, tenant_a, dpo):
    audit = filed(tenant_a, days(40))
    with pytest.raises(AuditRequestRefused) as refused:
        services.audit_request_counter_propose(
            staff=dpo, request=audit, date=days(29), note="", now=NOW
        )
    assert refused.value.code == "notice_too_short"
    audit.refresh_from_db()
    assert audit.state == AuditRequest.State.PROPOSED and audit.counter_date is None
    (event,) = events(tenant_a, actions.AUDIT_REQUEST_REFUSED)
    assert event.metadata["step"] == "counter_propose"
    assert event.target_id == str(audit.pk)


def test_only_a_dpo_answers(clock, tenant_a):
    audit = filed(tenant_a, days(40))
    support = make_platform_person(("support",))
    with pytest.raises(AuditRequestRefused) as refused:
        services.audit_request_accept(staff=support, request=audit, now=NOW)
    assert refused.value.code == "not_allowed"
    with pytest.raises(AuditRequestRefused):
        services.audit_request_counter_propose(
            staff=support, request=audit, date=days(60), note="", now=NOW
        )
    audit.refresh_from_db()
    assert audit.state == AuditRequest.State.PROPOSED


def test_the_owner_cannot_accept_their_own_date(clock, tenant_a):
    audit = filed(tenant_a, days(40))
    with pytest.raises(AuditRequestRefused) as refused:
        services.audit_request_accept(membership=tenant_a.owner, request=audit, now=NOW)
    assert refused.value.code == "wrong_state"


def test_another_tenants_member_cannot_touch_the_request(clock, tenant_a, tenant_b, dpo):
    from instaply.errors import NotFound

    audit = filed(tenant_a, days(40))
    services.audit_request_counter_propose(
        staff=dpo, request=audit, date=days(50), note="", now=NOW
    )
    with pytest.raises(NotFound):
        services.audit_request_accept(membership=tenant_b.owner, request=audit, now=NOW)
    with pytest.raises(NotFound):
        services.audit_request_cancel(membership=tenant_b.owner, request=audit, now=NOW)


def test_cancelling_before_the_audit_but_not_after(
    clock, tenant_a, dpo, django_capture_on_commit_callbacks
):
    audit = filed(tenant_a, days(40))
    with django_capture_on_commit_callbacks(execute=True):
        audit = services.audit_request_cancel(membership=tenant_a.owner, request=audit, now=NOW)
    assert audit.state == AuditRequest.State.CANCELLED and audit.cancelled_at == NOW
    (event,) = events(tenant_a, actions.AUDIT_REQUEST_CANCELLED)
    assert event.actor_member_id == tenant_a.owner.pk
    assert recipients() == [dpo.user.email]
    assert "cancelled" in mail.outbox[0].subject

    held = services.audit_request_accept(staff=dpo, request=filed(tenant_a, days(35)), now=NOW)
    after = NOW + dt.timedelta(days=36)
    with pytest.raises(AuditRequestRefused) as refused:
        services.audit_request_cancel(membership=tenant_a.owner, request=held, now=after)
    assert refused.value.code == "already_held"
    held.refresh_from_db()
    assert held.state == AuditRequest.State.ACCEPTED


def test_accepting_a_date_that_has_passed_is_refused(clock, tenant_a, dpo):
    audit = filed(tenant_a, days(31))
    with pytest.raises(AuditRequestRefused) as refused:
        services.audit_request_accept(staff=dpo, request=audit, now=NOW + dt.timedelta(days=32))
    assert refused.value.code == "date_passed"


def test_emails_are_in_the_readers_language(
    clock, tenant_a, dpo, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner.user
    owner.language = "fr"
    owner.save(update_fields=["language"])
    audit = filed(tenant_a, days(40))
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_request_counter_propose(
            staff=dpo, request=audit, date=days(50), note="", now=NOW
        )
    assert mail.outbox[0].subject == "Une autre date proposée pour votre audit"
