"""Follow-up updates: numbered, sent to the people the notice reached, once."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from breaches.emails import update_email
from breaches.models import IncidentUpdate, NoticeUpdateDelivery
from breaches.services.notices import incident_update_add, notice_send
from instaply.errors import Forbidden, Invalid
from platform_staff.tests.disclosure_helpers import platform_person
from tenants.models import Notice, Role
from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(incident_a, security, django_capture_on_commit_callbacks):
    incident, notice = incident_a
    with django_capture_on_commit_callbacks(execute=True):
        notice_send(notice=notice, staff=security, now=timezone.now())
    mail.outbox.clear()
    return incident, notice


def add(incident, staff, captured, facts="The export also held notes."):
    with captured(execute=True):
        return incident_update_add(incident=incident, staff=staff, facts=facts, now=timezone.now())


def test_updates_are_numbered_in_order(sent, security, django_capture_on_commit_callbacks):
    incident, _ = sent
    first = add(incident, security, django_capture_on_commit_callbacks, "One")
    second = add(incident, security, django_capture_on_commit_callbacks, "Two")
    assert (first.number, second.number) == (1, 2)
    event = AuditEvent.objects.dangerously_unscoped(reason="test").filter(
        action="breach.incident_updated"
    )
    assert [e.metadata["number"] for e in event.order_by("id")] == [1, 2]
    assert event.first().tenant_id is None  # the incident is the platform's


def test_an_update_reaches_the_same_people_only(
    sent, tenant_a, security, clock, django_capture_on_commit_callbacks
):
    incident, notice = sent
    # After the notice went out: a new privacy member joins, the owner is revoked.
    newcomer = MembershipFactory(tenant=tenant_a.tenant, role=Role.PRIVACY)
    owner = tenant_a.owner
    owner.revoked_at = timezone.now()
    owner.save(update_fields=["revoked_at"])

    add(incident, security, django_capture_on_commit_callbacks, "Notes were in the export.")

    assert [m.to for m in mail.outbox] == [[tenant_a.members[Role.PRIVACY].user.email]]
    assert "Notes were in the export." in mail.outbox[0].body
    assert "update 1" in mail.outbox[0].subject
    assert newcomer.user.email not in [m.to[0] for m in mail.outbox]
    assert (
        NoticeUpdateDelivery.objects.for_tenant(tenant_a.tenant).filter(notice=notice).count() == 1
    )
    assert (
        Notice.objects.for_tenant(tenant_a.tenant).filter(kind="breach.notice_updated").count() == 1
    )
    assert (
        AuditEvent.objects.for_tenant(tenant_a.tenant)
        .filter(action="breach.notice_update_sent")
        .count()
        == 1
    )


def test_an_update_is_emailed_once(sent, tenant_a, security, django_capture_on_commit_callbacks):
    incident, notice = sent
    update = add(incident, security, django_capture_on_commit_callbacks)
    count = len(mail.outbox)
    assert update_email(notice_id=notice.pk, update_id=update.pk) is False
    assert len(mail.outbox) == count == 2


def test_a_pending_notice_carries_the_updates_when_sent_later(
    tenant_a, tenant_b, security, clock, django_capture_on_commit_callbacks
):
    from breaches.tests.conftest import AWARE
    from breaches.tests.factories import declared

    incident, (notice_a, notice_b) = declared(
        aware_at=AWARE, tenants=[tenant_a.tenant, tenant_b.tenant]
    )
    with django_capture_on_commit_callbacks(execute=True):
        notice_send(notice=notice_a, staff=security, now=timezone.now())
    add(incident, security, django_capture_on_commit_callbacks, "Backups were not touched.")
    assert {m.to[0] for m in mail.outbox if "update 1" in m.subject} == {
        m.user.email for m in (tenant_a.owner, tenant_a.members[Role.PRIVACY])
    }
    # B was not told yet: no update for B, in the app or by email.
    assert not Notice.objects.for_tenant(tenant_b.tenant).exists()
    mail.outbox.clear()

    clock.shift(dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        notice_send(notice=notice_b, staff=security, now=timezone.now())
    assert len(mail.outbox) == 2
    assert all("Backups were not touched." in m.body for m in mail.outbox)
    assert all("Update 1" in m.body for m in mail.outbox)
    # The update it carried counts as delivered: no separate email follows.
    update = IncidentUpdate.objects.get(incident=incident)
    assert update_email(notice_id=notice_b.pk, update_id=update.pk) is False
    assert len(mail.outbox) == 2


def test_only_security_adds_updates_and_facts_are_required(sent, security):
    incident, _ = sent
    with pytest.raises(Forbidden):
        incident_update_add(
            incident=incident, staff=platform_person("dpo"), facts="x", now=timezone.now()
        )
    with pytest.raises(Invalid) as refused:
        incident_update_add(incident=incident, staff=security, facts="  ", now=timezone.now())
    assert refused.value.fields == {"facts": "required"}
    assert not IncidentUpdate.objects.exists()
