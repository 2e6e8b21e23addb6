"""Sending a breach notice: who is told, how, once, and late only with a reason."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from breaches.models import BreachNotice
from breaches.services.notices import notice_send, notices_send_pending
from breaches.tests.conftest import AWARE
from breaches.tests.factories import declared
from instaply.errors import Forbidden, Invalid
from platform_staff.tests.disclosure_helpers import platform_person
from tenants.models import Notice, Role

pytestmark = pytest.mark.django_db


def events(action):
    return AuditEvent.objects.dangerously_unscoped(reason="test").filter(action=action)


def send(notice, staff, captured, **kwargs):
    with captured(execute=True):
        return notice_send(notice=notice, staff=staff, now=timezone.now(), **kwargs)


def test_sending_tells_the_owners_and_privacy_members(
    incident_a, tenant_a, security, django_capture_on_commit_callbacks
):
    incident, notice = incident_a
    sent = send(notice, security, django_capture_on_commit_callbacks)

    assert sent.sent_at == timezone.now()
    assert sent.sent_by == security
    assert sent.late_seconds is None
    expected = {tenant_a.members[Role.OWNER], tenant_a.members[Role.PRIVACY]}
    assert set(sent.recipients) == {str(m.pk) for m in expected}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in expected)
    sent.refresh_from_db()
    assert sent.emailed_at is not None
    # The in-app notice reaches owners, admins and privacy members, linked to the page.
    posted = Notice.objects.for_tenant(tenant_a.tenant).get(kind="breach.notice_sent")
    assert posted.capability == "audit.export"
    assert posted.link == f"/settings/breach-notices/{notice.pk}/"
    event = events("breach.notice_sent").get()
    assert event.tenant_id == tenant_a.tenant.pk
    assert event.target_id == str(notice.pk)
    assert event.metadata["recipients"] == 2


def test_the_email_carries_what_the_authority_needs(
    incident_a, tenant_a, security, django_capture_on_commit_callbacks
):
    incident, notice = incident_a
    send(notice, security, django_capture_on_commit_callbacks)
    body = mail.outbox[0].body
    for words in (
        "Unauthorised access",  # nature
        "Message content",  # categories of data
        "End-users",  # categories of subjects
        "120",  # approximate subjects
        "3400",  # approximate records
        incident.likely_consequences,
        incident.measures,
        incident.dpo_contact,
        "2026-03-02 09:00 UTC",  # awareness
        f"/settings/breach-notices/{notice.pk}/",
    ):
        assert words in body, words
    assert incident.reference in mail.outbox[0].subject


def test_each_recipient_reads_it_in_their_language(
    incident_a, tenant_a, security, django_capture_on_commit_callbacks
):
    privacy = tenant_a.members[Role.PRIVACY].user
    privacy.language = "fr"
    privacy.save(update_fields=["language"])
    incident, notice = incident_a
    send(notice, security, django_capture_on_commit_callbacks)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert "Accès non autorisé" in by_person[privacy.email].body
    assert "Unauthorised access" in by_person[tenant_a.owner.user.email].body


def test_sending_twice_sends_once(
    incident_a, tenant_a, security, django_capture_on_commit_callbacks
):
    incident, notice = incident_a
    first = send(notice, security, django_capture_on_commit_callbacks)
    again = send(notice, security, django_capture_on_commit_callbacks)
    assert again.sent_at == first.sent_at
    assert len(mail.outbox) == 2
    assert events("breach.notice_sent").count() == 1
    assert Notice.objects.for_tenant(tenant_a.tenant).filter(kind="breach.notice_sent").count() == 1
    # The task retried by the broker finds the mark and sends nothing.
    from breaches.emails import notice_email

    assert notice_email(notice_id=notice.pk) is False
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("roles", [("support",), ("dpo",)])
def test_only_security_sends(incident_a, roles):
    incident, notice = incident_a
    with pytest.raises(Forbidden):
        notice_send(notice=notice, staff=platform_person(*roles), now=timezone.now())
    notice.refresh_from_db()
    assert notice.sent_at is None


def test_a_late_notice_needs_a_reason_and_records_by_how_much(
    incident_a, security, clock, django_capture_on_commit_callbacks
):
    incident, notice = incident_a
    clock.move_to(AWARE + dt.timedelta(hours=26, minutes=3, seconds=7))
    with pytest.raises(Invalid) as refused:
        notice_send(notice=notice, staff=security, now=timezone.now(), late_reason="  ")
    assert refused.value.fields == {"late_reason": "required"}
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert mail.outbox == []

    sent = send(notice, security, django_capture_on_commit_callbacks, late_reason="Scope unclear")
    assert sent.late_seconds == 2 * 3600 + 3 * 60 + 7
    assert sent.late_reason == "Scope unclear"
    assert events("breach.notice_sent").get().metadata["late_seconds"] == 7387
    assert "2 h 3 min" in mail.outbox[0].body
    assert "Scope unclear" in mail.outbox[0].body


def test_on_the_deadline_itself_is_not_late(incident_a, security, clock):
    incident, notice = incident_a
    clock.move_to(notice.deadline_at)
    sent = notice_send(notice=notice, staff=security, now=timezone.now())
    assert sent.late_seconds is None


def test_send_all_is_all_or_nothing(tenant_a, tenant_b, security, clock):
    incident, notices = declared(aware_at=AWARE, tenants=[tenant_a.tenant, tenant_b.tenant])
    clock.move_to(AWARE + dt.timedelta(hours=25))
    with pytest.raises(Invalid):
        notices_send_pending(incident=incident, staff=security, now=timezone.now())
    assert not BreachNotice.objects.dangerously_unscoped(reason="test").filter(
        sent_at__isnull=False
    )
    assert (
        notices_send_pending(
            incident=incident, staff=security, now=timezone.now(), late_reason="Late scope"
        )
        == 2
    )
    assert notices_send_pending(incident=incident, staff=security, now=timezone.now()) == 0
    late = BreachNotice.objects.dangerously_unscoped(reason="test").values_list(
        "late_seconds", flat=True
    )
    assert set(late) == {3600}
