"""The flush: through the mixpanel client to a loopback Mixpanel, or to the local
sink; once per row, again after a failure, never twice."""

import datetime as dt
import json

import pytest
import time_machine

from analytics.models import AnalyticsEvent
from analytics.sending import events_flush, events_purge
from analytics.tests.mixpanel_server import MixpanelServer
from analytics.tracking import track
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 14, 47, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def at_now():
    """The tests run just before NOW whatever the day: a row's first attempt time
    comes from the clock (next_attempt_at's default), and a flush at NOW must find
    it due (the test was a time bomb: it failed once the real time passed NOW)."""
    with time_machine.travel(NOW - dt.timedelta(minutes=1), tick=True):
        yield


@pytest.fixture
def mixpanel(settings):
    with MixpanelServer() as server:
        settings.MIXPANEL_TOKEN = "test-project-token"
        settings.MIXPANEL_API_URL = server.url
        yield server


def _events(world, count=1):
    for _ in range(count):
        track("widget_session_started", tenant_id=world.tenant.pk, now=NOW)


def test_without_a_token_events_go_to_the_local_sink_and_nowhere_else(tenant_a, settings):
    settings.MIXPANEL_TOKEN = ""
    with MixpanelServer() as server:
        settings.MIXPANEL_API_URL = server.url
        _events(tenant_a, 2)
        assert events_flush(now=NOW) == 2
    assert server.requests == []
    rows = list(AnalyticsEvent.objects.all())
    assert {row.state for row in rows} == {"recorded"}
    payload = rows[0].payload
    assert payload["event"] == "widget_session_started"
    assert payload["properties"]["distinct_id"] == rows[0].distinct_id
    assert payload["properties"]["token"] == ""
    audit = AuditEvent.objects.get(action="analytics.events_sent")
    assert audit.metadata == {"events": 2, "destination": "local_sink"}


def test_events_reach_mixpanel_once_with_geolocation_off(tenant_a, mixpanel):
    _events(tenant_a, 3)
    assert events_flush(now=NOW) == 3
    assert events_flush(now=NOW + dt.timedelta(minutes=5)) == 0
    [request] = mixpanel.requests
    assert request.path == "/track"
    assert request.form["ip"] == "0" and request.form["verbose"] == "1"
    rows = {row.insert_id: row for row in AnalyticsEvent.objects.all()}
    assert {event["properties"]["$insert_id"] for event in request.events} == set(rows)
    for event in request.events:
        props = event["properties"]
        row = rows[props["$insert_id"]]
        assert row.state == "sent" and row.payload == event
        assert props["time"] == int(dt.datetime(2026, 12, 2, 14, tzinfo=dt.UTC).timestamp())
        assert props["token"] == "test-project-token"
        assert "ip" not in props and "$ip" not in props


def test_a_failure_is_tried_again_later_and_sent_once(tenant_a, mixpanel):
    _events(tenant_a, 2)
    mixpanel.fail_next(1)
    assert events_flush(now=NOW) == 0
    rows = list(AnalyticsEvent.objects.all())
    assert {(row.state, row.attempts) for row in rows} == {("pending", 1)}
    assert all(row.next_attempt_at == NOW + dt.timedelta(minutes=1) for row in rows)
    assert "500" in rows[0].last_error or "ingestion unavailable" in rows[0].last_error
    # Not due yet: nothing is tried.
    assert events_flush(now=NOW + dt.timedelta(seconds=30)) == 0
    assert mixpanel.failures == 1 and mixpanel.requests == []
    assert events_flush(now=NOW + dt.timedelta(minutes=2)) == 2
    assert events_flush(now=NOW + dt.timedelta(minutes=3)) == 0
    assert len(mixpanel.events) == 2
    assert set(AnalyticsEvent.objects.values_list("state", "attempts")) == {("sent", 2)}


def test_a_resend_after_a_crash_carries_the_same_insert_ids(tenant_a, mixpanel):
    """The rows were sent but our commit was lost: they go again, and Mixpanel
    deduplicates them by $insert_id."""
    _events(tenant_a, 2)
    events_flush(now=NOW)
    AnalyticsEvent.objects.update(state="pending", payload=None, done_at=None)
    events_flush(now=NOW)
    first, second = (request.events for request in mixpanel.requests)
    ids = [event["properties"]["$insert_id"] for event in first]
    assert [event["properties"]["$insert_id"] for event in second] == ids


def test_batches_of_fifty(tenant_a, mixpanel):
    _events(tenant_a, 60)
    assert events_flush(now=NOW) == 60
    assert [len(request.events) for request in mixpanel.requests] == [50, 10]
    assert json.loads(mixpanel.requests[0].form["data"])[0]["event"] == "widget_session_started"


def test_the_purge_keeps_recent_rows_and_drops_old_and_stale_ones(tenant_a, settings):
    settings.MIXPANEL_TOKEN = ""
    settings.ANALYTICS_SENT_KEEP_DAYS = 7
    _events(tenant_a, 2)
    events_flush(now=NOW)
    old = AnalyticsEvent.objects.first()
    AnalyticsEvent.objects.filter(pk=old.pk).update(done_at=NOW - dt.timedelta(days=8))
    stale = track(
        "widget_session_started", tenant_id=tenant_a.tenant.pk, now=NOW - dt.timedelta(days=6)
    )
    counts = events_purge(now=NOW)
    assert counts["done"] == 1 and counts["expired"] == 1
    left = list(AnalyticsEvent.objects.values_list("pk", flat=True))
    assert old.pk not in left and stale.pk not in left and len(left) == 1
