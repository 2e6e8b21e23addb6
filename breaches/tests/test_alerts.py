"""Alerts to platform security at 12 h and 20 h for notices not sent yet."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from breaches.alerts import alert_unsent
from breaches.services.notices import notice_send
from breaches.tasks import alert_unsent_notices
from breaches.tests.conftest import AWARE
from breaches.tests.factories import declared
from platform_staff.tests.disclosure_helpers import platform_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(security):
    """Two security people (one deactivated does not count) and a DPO."""
    other = platform_person("security", "dpo")
    gone = platform_person("security")
    gone.deactivated_at = timezone.now()
    gone.save(update_fields=["deactivated_at"])
    platform_person("dpo")
    return {security.user.email, other.user.email}


def at(clock, hours, minutes=0):
    clock.move_to(AWARE + dt.timedelta(hours=hours, minutes=minutes))
    return timezone.now()


def alerted():
    return AuditEvent.objects.dangerously_unscoped(reason="test").filter(
        action="breach.notice_alerted"
    )


def test_the_12_and_20_hour_alerts_go_once_each(tenant_a, tenant_b, people, clock):
    incident, notices = declared(aware_at=AWARE, tenants=[tenant_a.tenant, tenant_b.tenant])
    assert alert_unsent(now=at(clock, 11, 59)) == 0
    assert mail.outbox == []

    assert alert_unsent(now=at(clock, 12)) == 1
    assert {m.to[0] for m in mail.outbox} == people  # one email per person for the incident
    assert incident.reference in mail.outbox[0].subject
    assert "2 affected tenants" in mail.outbox[0].body
    assert "12 h 0 min left" in mail.outbox[0].body
    assert alert_unsent(now=at(clock, 15)) == 0
    assert len(mail.outbox) == 2

    assert alert_unsent(now=at(clock, 20, 30)) == 1
    assert len(mail.outbox) == 4
    assert "3 h 30 min left" in mail.outbox[-1].body
    assert alert_unsent(now=at(clock, 23)) == 0
    assert len(mail.outbox) == 4
    for notice in notices:
        notice.refresh_from_db()
        assert notice.alerted_12_at == AWARE + dt.timedelta(hours=12)
        assert notice.alerted_20_at == AWARE + dt.timedelta(hours=20, minutes=30)
    thresholds = sorted(e.metadata["threshold"] for e in alerted())
    assert thresholds == [12, 12, 20, 20]
    assert all(e.tenant_id is None for e in alerted())  # platform-level until sent


def test_no_alert_for_a_sent_notice(tenant_a, tenant_b, people, security, clock):
    incident, (notice_a, _) = declared(aware_at=AWARE, tenants=[tenant_a.tenant, tenant_b.tenant])
    notice_send(notice=notice_a, staff=security, now=at(clock, 2))
    mail.outbox.clear()
    assert alert_unsent(now=at(clock, 12)) == 1
    assert "1 affected tenant has" in mail.outbox[0].body
    notice_a.refresh_from_db()
    assert notice_a.alerted_12_at is None
    assert alerted().count() == 1


def test_nothing_to_alert_when_every_notice_is_sent(incident_a, people, security, clock):
    incident, notice = incident_a
    notice_send(notice=notice, staff=security, now=at(clock, 3))
    mail.outbox.clear()
    assert alert_unsent(now=at(clock, 21)) == 0
    assert mail.outbox == []


def test_both_thresholds_at_once_send_one_20_hour_alert(incident_a, people, clock):
    incident, notice = incident_a
    assert alert_unsent(now=at(clock, 21)) == 1
    assert len(mail.outbox) == 2
    assert "20 hours" in mail.outbox[0].subject
    notice.refresh_from_db()
    assert notice.alerted_12_at == notice.alerted_20_at == AWARE + dt.timedelta(hours=21)
    assert alert_unsent(now=at(clock, 22)) == 0
    assert [e.metadata["threshold"] for e in alerted()] == [20]


def test_the_task_runs_on_the_beat_every_five_minutes(incident_a, people, clock):
    entry = settings.CELERY_BEAT_SCHEDULE["breaches.alert_unsent_notices"]
    assert entry == {"task": alert_unsent_notices.name, "schedule": 300}
    at(clock, 12, 1)
    assert alert_unsent_notices.delay().get() == 1
    assert alert_unsent_notices.delay().get() == 0
