"""The allowlist is the only way in: anything off it raises, even for a tenant
that opted out (a mistake must not hide behind an opt-out)."""

import pytest

from analytics import events
from analytics.events import NotAllowed, checked
from analytics.models import AnalyticsEvent
from analytics.tracking import track
from conversations.channels import registered_kinds
from privacy.dsr.models import DataSubjectRequest


@pytest.mark.parametrize(
    ("name", "properties", "problem"),
    [
        ("page_viewed", {}, "not in the analytics allowlist"),
        ("conversation_opened", {"channel": "sms", "shop": "Paris"}, "not allowed on"),
        ("conversation_opened", {"channel": "email"}, "not an allowed value"),
        ("message_received", {"channel": "sms"}, "needs the properties"),
        ("message_received", {"channel": "sms", "segments": 3}, "not an allowed value"),
        ("widget_session_started", {"name": "Jeanne"}, "not allowed on"),
    ],
)
def test_anything_off_the_allowlist_raises(name, properties, problem):
    with pytest.raises(NotAllowed, match=problem):
        checked(name, properties)


def test_a_mistake_raises_even_for_an_opted_out_tenant(tenant_a):
    tenant_a.tenant.analytics_opt_out = True
    tenant_a.tenant.save(update_fields=["analytics_opt_out"])
    with pytest.raises(NotAllowed):
        track("conversation_opened", tenant_id=tenant_a.tenant.pk, channel="fax")
    assert not AnalyticsEvent.objects.exists()


def test_the_enumerations_cover_what_the_platform_has():
    assert set(registered_kinds()) <= set(events.CHANNEL.values)
    assert set(events.REQUEST_TYPE.values) == set(DataSubjectRequest.Type.values)


@pytest.mark.parametrize(
    ("segments", "bucket"),
    [(None, "not_sms"), (0, "1"), (1, "1"), (2, "2"), (3, "3-5"), (5, "3-5"), (6, "6+")],
)
def test_segments_buckets(segments, bucket):
    assert events.segments_bucket(segments) == bucket


@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [
        (0, "under_5m"),
        (299, "under_5m"),
        (300, "5m-15m"),
        (3599, "15m-1h"),
        (3600, "1h-4h"),
        (5 * 3600, "4h-24h"),
        (30 * 3600, "1d-3d"),
        (4 * 86400, "over_3d"),
    ],
)
def test_response_time_buckets(seconds, bucket):
    assert events.response_time_bucket(seconds) == bucket


def test_message_properties_never_carry_the_length_or_text():
    assert events.message_properties(channel="sms", body="x" * 400) == {
        "channel": "sms",
        "segments": "3-5",
    }
    assert events.message_properties(channel="widget", body="x" * 400) == {
        "channel": "widget",
        "segments": "not_sms",
    }
