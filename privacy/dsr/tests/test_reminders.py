"""Reminders to the DPO at 50 % and 90 % of a request's 72 working hours: an
email to every active DPO, a REMINDED event, the console's "needs attention"
list; each once, paused requests never, and a row another run holds skipped."""

import datetime as dt
import threading

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection, connections, transaction

from audit.models import AuditEvent
from platform_staff.tests.console_helpers import console_client, make_platform_person
from privacy.dsr import services
from privacy.dsr.models import DataSubjectRequest, RequestEvent
from privacy.dsr.reminders import dsr_remind
from privacy.dsr.tests.helpers import contact_with, file

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris
# 36 working hours after Monday 10:00 Paris: Tuesday 22:00 Paris.
HALF = dt.datetime(2026, 3, 3, 21, 0, tzinfo=dt.UTC)
# 64.8 working hours: Thursday 02:48 Paris.
NINETY = dt.datetime(2026, 3, 5, 1, 48, tzinfo=dt.UTC)
PHONE = "+33612345678"


@pytest.fixture
def dpos(db):
    active = [
        make_platform_person(("dpo",)),
        make_platform_person(("dpo", "security"), country="DE"),
    ]
    gone = make_platform_person(("dpo",), country="BE")
    gone.deactivated_at = MONDAY
    gone.save(update_fields=["deactivated_at"])
    make_platform_person(("support",))  # not a DPO: never reminded
    return active


@pytest.fixture
def running(tenant_a, dpos):
    contact_with(tenant_a, phone=PHONE)
    dsr, _ = file(tenant_a.owner, phone=PHONE, now=MONDAY)
    return dsr


def _fresh(dsr):
    return DataSubjectRequest.objects.for_tenant(dsr.tenant_id).get(pk=dsr.pk)


def _reminded(dsr):
    return list(
        RequestEvent.objects.for_tenant(dsr.tenant_id)
        .filter(request=dsr, kind=RequestEvent.Kind.REMINDED)
        .values_list("reason", flat=True)
    )


def test_the_dpos_are_reminded_at_half_then_at_ninety_percent_once_each(running, dpos):
    assert dsr_remind(now=HALF - dt.timedelta(minutes=1)) == 0
    assert mail.outbox == []

    assert dsr_remind(now=HALF) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in dpos)
    message = mail.outbox[0]
    assert "50 %" in message.subject
    assert "Alpha Shoes" in message.body and PHONE not in message.body
    assert f"/platform/requests/{running.pk}/" in message.body
    assert _fresh(running).reminded_half_at == HALF
    assert _reminded(running) == ["50 %"]

    # Every later run before 90 %: nothing more.
    assert dsr_remind(now=HALF + dt.timedelta(hours=1)) == 0
    assert dsr_remind(now=NINETY - dt.timedelta(minutes=1)) == 0
    assert len(mail.outbox) == 2

    assert dsr_remind(now=NINETY) == 1
    assert "90 %" in mail.outbox[-1].subject and len(mail.outbox) == 4
    assert dsr_remind(now=NINETY + dt.timedelta(days=3)) == 0
    dsr = _fresh(running)
    assert (dsr.reminded_half_at, dsr.reminded_ninety_at) == (HALF, NINETY)
    assert _reminded(running) == ["50 %", "90 %"]
    audits = AuditEvent.objects.filter(action="privacy.request_reminded").order_by("created_at")
    assert [a.metadata["threshold"] for a in audits] == [50, 90]
    assert all(a.target_id == str(running.pk) for a in audits)


def test_a_request_first_seen_past_ninety_percent_gets_one_reminder(running):
    assert dsr_remind(now=NINETY + dt.timedelta(hours=1)) == 1
    assert len(mail.outbox) == 2 and "90 %" in mail.outbox[0].subject
    dsr = _fresh(running)
    assert dsr.reminded_half_at == dsr.reminded_ninety_at is not None
    assert dsr_remind(now=NINETY + dt.timedelta(hours=2)) == 0


def test_paused_and_closed_requests_are_not_reminded(tenant_a, running, dpos):
    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=False):
        services.dsr_pause(actor=dpos[0], dsr=running, reason="Which shop?")
    assert dsr_remind(now=NINETY + dt.timedelta(days=7)) == 0
    with time_machine.travel(MONDAY + dt.timedelta(hours=2), tick=False):
        services.dsr_resume(actor=dpos[0], dsr=running)
        services.dsr_reject(staff=dpos[0], dsr=running, reason="Not ours.")
    assert dsr_remind(now=NINETY + dt.timedelta(days=7)) == 0
    assert mail.outbox == [] and _reminded(running) == []


def test_the_pause_does_not_count_towards_the_reminders(running, dpos):
    # Paused Monday 11:00 Paris to Tuesday 11:00 Paris: 24 working hours not counted.
    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=False):
        services.dsr_pause(actor=dpos[0], dsr=running, reason="Which shop?")
    with time_machine.travel(MONDAY + dt.timedelta(hours=25), tick=False):
        services.dsr_resume(actor=dpos[0], dsr=running)
    assert dsr_remind(now=HALF) == 0
    assert dsr_remind(now=HALF + dt.timedelta(hours=24)) == 1


def test_the_console_lists_the_reminded_requests_as_needing_attention(running, dpos):
    dsr_remind(now=HALF)
    with time_machine.travel(HALF + dt.timedelta(minutes=1), tick=False):
        page = console_client(dpos[0])
        queue = page.get("/platform/requests/").content.decode()
        home = page.get("/platform/").content.decode()
    assert 'id="attention"' in queue and "50 % of the time used" in queue
    assert f'<li data-dsr="{running.pk}">' in queue
    assert 'data-count="dsr-attention">1<' in home


def test_the_task_is_scheduled():
    schedule = settings.CELERY_BEAT_SCHEDULE["privacy.dsr_remind"]
    assert schedule["task"] == "privacy.dsr_remind" and 300 <= schedule["schedule"] <= 900


@pytest.mark.django_db(transaction=True)
def test_a_request_another_run_holds_is_skipped_not_reminded_twice(running):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: runs are serialised by its database lock")
    locked, release = threading.Event(), threading.Event()

    def other_run():
        try:
            with transaction.atomic():
                DataSubjectRequest.objects.dangerously_unscoped(
                    reason="test"
                ).select_for_update().get(pk=running.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()  # the reporting database too

    thread = threading.Thread(target=other_run)
    thread.start()
    assert locked.wait(10)
    try:
        assert dsr_remind(now=HALF) == 0
    finally:
        release.set()
        thread.join()
    assert dsr_remind(now=HALF) == 1
    assert dsr_remind(now=HALF) == 0
    assert _reminded(running) == ["50 %"]
