"""The embedded default runs the beat schedule in the serving process
(instaply/embedded_beat.py): due entries run, others wait, a failing task does
not end the loop, a busy database is tried again soon, and with a broker
configured (where celery beat runs) it does not start at all."""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.conf import settings
from django.core.management import get_commands
from django.db import OperationalError
from django.utils import timezone

from conversations.models import Conversation
from conversations.services.inbox import conversation_set_status
from conversations.tests.factories import ConversationFactory
from instaply import embedded_beat
from instaply.celery import app
from instaply.embedded_beat import BUSY_RETRY_SECONDS, MAX_SLEEP_SECONDS, EmbeddedBeat

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
WAIT_SECONDS = 20  # a deadline for the thread, not a measurement

runs: list[str] = []
_busy_left = {"count": 0}


@app.task(name="instaply.tests.beat_probe")
def beat_probe(label="probe"):
    runs.append(label)


@app.task(name="instaply.tests.beat_failing")
def beat_failing():
    runs.append("failing")
    raise RuntimeError("this task always fails")


@app.task(name="instaply.tests.beat_busy_once")
def beat_busy_once():
    if _busy_left["count"]:
        _busy_left["count"] -= 1
        raise OperationalError("database is locked")
    runs.append("busy_once")


@pytest.fixture(autouse=True)
def clear_runs():
    runs.clear()
    _busy_left["count"] = 0


def every(seconds, task="instaply.tests.beat_probe", **extra):
    return {"task": task, "schedule": seconds, **extra}


def _snoozed(tenant_world, until):
    conversation = ConversationFactory(tenant=tenant_world.tenant, shop=tenant_world.shop)
    conversation_set_status(
        actor=tenant_world.owner, conversation=conversation, status="snoozed", snoozed_until=until
    )
    return conversation


def _status(conversation) -> str:
    return (
        Conversation.objects.for_tenant(conversation.tenant_id)
        .values_list("status", flat=True)
        .get(pk=conversation.pk)
    )


@pytest.mark.django_db(transaction=True)
def test_the_beat_thread_wakes_a_snoozed_conversation_when_its_time_has_come(tenant_a):
    conversation = _snoozed(tenant_a, until=timezone.now() + dt.timedelta(seconds=1))
    schedule = {"wake": every(0.2, task="conversations.wake_snoozed")}
    beat = EmbeddedBeat(schedule).start()
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while _status(conversation) != "open" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        beat.stop()
    assert _status(conversation) == "open"
    assert not beat.thread.is_alive()


def test_the_schedule_runs_at_start_then_only_when_due(tenant_a):
    with time_machine.travel(START, tick=False) as clock:
        conversation = _snoozed(tenant_a, until=START + dt.timedelta(minutes=5))
        beat = EmbeddedBeat(
            {"wake": every(60, task="conversations.wake_snoozed"), "probe": every(600)}
        )
        assert beat.tick() == MAX_SLEEP_SECONDS  # both ran at start; wake is next, in 60 s
        assert runs == ["probe"] and _status(conversation) == "snoozed"

        clock.shift(dt.timedelta(seconds=30))
        assert beat.tick() == pytest.approx(30)
        assert runs == ["probe"]  # not due: not run

        clock.shift(dt.timedelta(minutes=5))
        beat.tick()
        assert _status(conversation) == "open"
        assert runs == ["probe"]  # the probe's 600 s have not passed

        clock.shift(dt.timedelta(minutes=10))
        beat.tick()
        assert runs == ["probe", "probe"]


def test_an_unanswered_access_request_is_recorded_expired_by_the_settings_schedule(tenant_a):
    """The expiries of platform access (platform_staff) run on the demo as in production."""
    from audit.models import AuditEvent
    from platform_staff.services.grants import access_request
    from platform_staff.tests.conftest import make_staff

    name = "platform_staff.record_access_expiries"
    with time_machine.travel(START, tick=False) as clock:
        grant = access_request(
            staff=make_staff(),
            tenant=tenant_a.tenant,
            scope="tenant",
            reason_code="incident_response",
            justification="Messages are lost.",
            hours=4,
        )
        beat = EmbeddedBeat({name: settings.CELERY_BEAT_SCHEDULE[name]})
        clock.shift(dt.timedelta(hours=72))
        beat.tick()
    (expired,) = AuditEvent.objects.filter(action="platform.access_expired")
    assert expired.target_id == str(grant.pk) and expired.metadata["was"] == "pending"


def test_a_crontab_entry_waits_for_its_time():
    from celery.schedules import crontab

    with time_machine.travel(START, tick=False) as clock:
        beat = EmbeddedBeat({"nightly": every(crontab(minute=30, hour=3))})
        beat.tick()
        assert runs == []
        clock.move_to(START.replace(day=3, hour=3, minute=30, second=1))
        beat.tick()
        assert runs == ["probe"]


def test_a_failing_task_is_logged_and_the_loop_goes_on(caplog):
    schedule = {
        "failing": every(0.05, task="instaply.tests.beat_failing"),
        "probe": every(0.05),
    }
    beat = EmbeddedBeat(schedule).start()
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while runs.count("probe") < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert beat.thread.is_alive()
    finally:
        beat.stop()
    assert runs.count("failing") >= 3 and runs.count("probe") >= 3
    failures = [r for r in caplog.records if r.name == "instaply.embedded_beat"]
    assert any("failing failed" in r.getMessage() and r.exc_info for r in failures)


def test_a_busy_database_is_tried_again_soon_not_at_the_next_interval():
    _busy_left["count"] = 1
    with time_machine.travel(START, tick=False) as clock:
        beat = EmbeddedBeat({"busy": every(3600, task="instaply.tests.beat_busy_once")})
        assert beat.tick() == pytest.approx(BUSY_RETRY_SECONDS)
        assert runs == []
        clock.shift(dt.timedelta(seconds=BUSY_RETRY_SECONDS))
        assert beat.tick() == MAX_SLEEP_SECONDS  # the next run is an hour away
        assert runs == ["busy_once"]


def test_every_task_of_the_settings_schedule_is_known_to_the_beat():
    beat = EmbeddedBeat(settings.CELERY_BEAT_SCHEDULE)
    assert [entry.name for entry in beat.entries] == list(settings.CELERY_BEAT_SCHEDULE)
    assert {"conversations.wake_snoozed", "audit.seal_events"} <= {e.task for e in beat.entries}
    for entry in beat.entries:
        assert entry.task in app.tasks, entry.task  # imported, not only named


def test_it_runs_only_on_the_embedded_default(settings):
    settings.EMBEDDED_BEAT = True
    settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL = True, "memory://"
    assert embedded_beat.enabled()

    settings.EMBEDDED_BEAT = False  # EMBEDDED_BEAT=false
    assert not embedded_beat.enabled()
    assert embedded_beat.start_if_embedded() is None


@pytest.mark.parametrize("broker", ["redis://127.0.0.1:6379/0", "amqp://guest@rabbit//"])
def test_it_does_not_start_when_a_broker_is_configured(settings, broker):
    settings.EMBEDDED_BEAT = True
    settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL = False, broker
    threads = set(threading.enumerate())
    assert embedded_beat.start_if_embedded() is None
    assert not [t for t in set(threading.enumerate()) - threads if t.name == "embedded-beat"]


def test_runserver_is_the_command_that_starts_it():
    # The serving process of `make run` and `make dev` (see tests/test_make_run.py).
    assert get_commands()["runserver"] == "instaply"
