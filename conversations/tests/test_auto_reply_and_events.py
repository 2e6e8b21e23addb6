"""Out-of-hours auto-reply, and the tenant's live feed."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from conversations.models import FeedEvent, Message
from conversations.services.hours import closed_period_start
from conversations.services.messages import message_receive
from tenants.models import Role

pytestmark = pytest.mark.django_db

HOURS = {"mon": [["09:00", "12:00"], ["14:00", "18:00"]], "tue": [["09:00", "18:00"]]}
PARIS = "Europe/Paris"


def _at(day: str, hhmm: str) -> dt.datetime:
    """A time in Paris in the week of Monday 2026-11-30, as UTC."""
    import zoneinfo

    date = {"mon": dt.date(2026, 11, 30), "tue": dt.date(2026, 12, 1), "wed": dt.date(2026, 12, 2)}[
        day
    ]
    local = dt.datetime.combine(date, dt.time.fromisoformat(hhmm), tzinfo=zoneinfo.ZoneInfo(PARIS))
    return local.astimezone(dt.UTC)


@pytest.mark.parametrize(
    ("now", "period"),
    [
        (("mon", "10:00"), None),
        (("mon", "13:00"), ("mon", "12:00")),
        (("mon", "20:00"), ("mon", "18:00")),
        (("tue", "08:00"), ("mon", "18:00")),
        (("wed", "10:00"), ("tue", "18:00")),
    ],
)
def test_closed_periods_start_where_the_last_opening_ended(now, period):
    found = closed_period_start(hours=HOURS, time_zone=PARIS, now=_at(*now))
    assert found == (_at(*period) if period else None)


def test_no_hours_means_always_open():
    assert closed_period_start(hours={}, time_zone=PARIS, now=_at("mon", "03:00")) is None


def _closed_shop(world):
    shop = world.shop
    shop.business_hours, shop.time_zone = HOURS, PARIS
    shop.auto_reply_text = "We are closed; we will answer from 9:00."
    shop.save()


def test_the_auto_reply_goes_once_per_closed_period(
    tenant_a, conversation_a, django_capture_on_commit_callbacks
):
    _closed_shop(tenant_a)
    with django_capture_on_commit_callbacks(execute=True):
        message_receive(conversation=conversation_a, body="anyone?", now=_at("mon", "20:00"))
        message_receive(conversation=conversation_a, body="hello??", now=_at("tue", "07:00"))
    replies = Message.objects.filter(conversation=conversation_a, direction="outbound")
    assert [m.body for m in replies] == ["We are closed; we will answer from 9:00."]
    assert replies[0].sender_kind == "system" and replies[0].status == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        message_receive(conversation=conversation_a, body="during hours", now=_at("tue", "10:00"))
        message_receive(conversation=conversation_a, body="next evening", now=_at("tue", "19:00"))
    assert replies.all().count() == 2


def test_no_auto_reply_to_an_opted_out_contact(tenant_a, conversation_a):
    from conversations.services.contacts import contact_set_opt_out

    _closed_shop(tenant_a)
    contact_set_opt_out(
        contact=conversation_a.contact, channel="widget", opted_out=True, source="t"
    )
    message_receive(conversation=conversation_a, body="anyone?", now=_at("mon", "20:00"))
    assert not Message.objects.filter(direction="outbound").exists()


def _settled(seconds=1.1):
    FeedEvent.objects.update(created_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_the_feed_starts_now_then_returns_new_events(
    tenant_a, tenant_b, conversation_a, django_capture_on_commit_callbacks
):
    client = tenant_a.client(Role.VIEWER)
    start = client.get("/api/v1/events").json()
    with django_capture_on_commit_callbacks(execute=True):
        message = message_receive(conversation=conversation_a, body="new!")
    _settled()
    body = client.get(f"/api/v1/events?after={start['cursor']}&wait=0").json()
    assert [(e["kind"], e["payload"]["message_id"]) for e in body["results"]] == [
        ("message.created", str(message.id))
    ]
    assert "new!" not in str(body)  # ids and states only
    other = tenant_b.client(Role.OWNER).get(f"/api/v1/events?after={start['cursor']}&wait=0").json()
    assert other["results"] == []


def test_the_feed_waits_for_news(tenant_a, conversation_a, settings):
    from conversations.api.views import events as feed

    client = tenant_a.client(Role.AGENT)
    cursor = client.get("/api/v1/events").json()["cursor"]
    FeedEvent.objects.create(
        tenant=tenant_a.tenant,
        kind="conversation.updated",
        conversation_id=conversation_a.id,
        payload={},
    )
    started = time.monotonic()
    body = client.get(f"/api/v1/events?after={cursor}&wait=5").json()
    waited = time.monotonic() - started
    assert len(body["results"]) == 1 and body["cursor"] > cursor
    assert 0.5 <= waited < 5  # held back until settled, answered as soon as it was
    assert feed.LONG_POLL_SECONDS == 25


def test_a_fresh_event_is_not_served_until_settled(tenant_a, conversation_a):
    client = tenant_a.client(Role.AGENT)
    cursor = client.get("/api/v1/events").json()["cursor"]
    FeedEvent.objects.create(
        tenant=tenant_a.tenant,
        kind="conversation.updated",
        conversation_id=conversation_a.id,
        payload={},
    )
    assert client.get(f"/api/v1/events?after={cursor}&wait=0").json()["results"] == []


def test_privacy_role_has_no_feed(tenant_a):
    assert tenant_a.client(Role.PRIVACY).get("/api/v1/events").status_code == 403


def test_bad_feed_parameters_are_explained(tenant_a):
    assert tenant_a.client().get("/api/v1/events?after=abc").status_code == 400
