"""The allowlist of product analytics: every event the platform may send, and for
each its properties with the only values they may take.

Nothing else leaves: no free value ever, only enumerations and buckets, so an
event cannot carry a name, an email, a number, a text, an address or an id.
Tracking an event or a property not listed here, or a value outside its list,
is a programming error and raises ``NotAllowed`` (a test walks every service
that tracks). The settings page shows this list to tenants, rendered from here.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


class NotAllowed(ValueError):
    """An event, property or value outside the allowlist."""


@dataclass(frozen=True)
class Property:
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Event:
    name: str
    description: str
    properties: dict[str, Property]


CHANNEL = Property(_("Channel"), ("sms", "widget"))
# Mixpanel would otherwise see the length of a text; a bucket of SMS segments is
# what costs money, and "not_sms" keeps the property meaningful for the widget.
SEGMENTS = Property(_("SMS segments"), ("1", "2", "3-5", "6+", "not_sms"))
RESPONSE_TIME = Property(
    _("Time to the first staff reply"),
    ("under_5m", "5m-15m", "15m-1h", "1h-4h", "4h-24h", "1d-3d", "over_3d"),
)
REQUEST_TYPE = Property(
    _("Request type"),
    (
        "access",
        "portability",
        "rectification",
        "erasure",
        "restriction",
        "objection",
        "restriction_withdrawal",
        "objection_withdrawal",
    ),
)
TIMELINESS = Property(_("Answered"), ("on_time", "late"))

MESSAGE_RECEIVED = "message_received"
MESSAGE_SENT = "message_sent"
CONVERSATION_OPENED = "conversation_opened"
CONVERSATION_ASSIGNED = "conversation_assigned"
CONVERSATION_CLOSED = "conversation_closed"
FIRST_RESPONSE = "first_response"
DSR_COMPLETED = "dsr_completed"
WIDGET_SESSION_STARTED = "widget_session_started"

ALLOWLIST: dict[str, Event] = {
    event.name: event
    for event in (
        Event(
            MESSAGE_RECEIVED,
            _("A customer's message reached the inbox."),
            {"channel": CHANNEL, "segments": SEGMENTS},
        ),
        Event(
            MESSAGE_SENT,
            _("A member of staff sent a reply."),
            {"channel": CHANNEL, "segments": SEGMENTS},
        ),
        Event(CONVERSATION_OPENED, _("A new conversation started."), {"channel": CHANNEL}),
        Event(CONVERSATION_ASSIGNED, _("A conversation was assigned."), {"channel": CHANNEL}),
        Event(CONVERSATION_CLOSED, _("A conversation was closed."), {"channel": CHANNEL}),
        Event(
            FIRST_RESPONSE,
            _("A conversation got its first staff reply."),
            {"channel": CHANNEL, "response_time": RESPONSE_TIME},
        ),
        Event(
            DSR_COMPLETED,
            _("A data-subject request was completed."),
            {"request_type": REQUEST_TYPE, "timeliness": TIMELINESS},
        ),
        Event(WIDGET_SESSION_STARTED, _("A website visitor started a chat."), {}),
    )
}


def checked(name: str, properties: dict) -> dict[str, str]:
    """The properties of an allowed event, each value one of its list; raises
    ``NotAllowed`` otherwise. Every property of the event is required."""
    event = ALLOWLIST.get(name)
    if event is None:
        raise NotAllowed(f"Event {name!r} is not in the analytics allowlist.")
    unknown = set(properties) - set(event.properties)
    if unknown:
        raise NotAllowed(f"Properties {sorted(unknown)} are not allowed on {name!r}.")
    missing = set(event.properties) - set(properties)
    if missing:
        raise NotAllowed(f"Event {name!r} needs the properties {sorted(missing)}.")
    for key, value in properties.items():
        if value not in event.properties[key].values:
            raise NotAllowed(f"{value!r} is not an allowed value of {key!r} on {name!r}.")
    return {key: str(value) for key, value in properties.items()}


# -- Buckets: how a number becomes one of the listed values ------------------------------


def segments_bucket(segments: int | None) -> str:
    """None: a channel without segments (the widget)."""
    if segments is None:
        return "not_sms"
    if segments <= 1:
        return "1"
    if segments == 2:
        return "2"
    return "3-5" if segments <= 5 else "6+"


_RESPONSE_LIMITS = (
    (5 * 60, "under_5m"),
    (15 * 60, "5m-15m"),
    (3600, "15m-1h"),
    (4 * 3600, "1h-4h"),
    (24 * 3600, "4h-24h"),
    (3 * 24 * 3600, "1d-3d"),
)


def response_time_bucket(seconds: float) -> str:
    for limit, bucket in _RESPONSE_LIMITS:
        if seconds < limit:
            return bucket
    return "over_3d"


def timeliness(*, closed_at, due_at) -> str:
    """Late only when a due time existed and passed (a paused request has none)."""
    return "late" if due_at is not None and closed_at > due_at else "on_time"


def message_properties(*, channel: str, body: str) -> dict[str, str]:
    """The properties of a message event: its channel and, over SMS, the bucket
    of segments it takes (never its length or its text)."""
    from channels_sms.segments import segment_count  # pure: no Django, no SMS app state

    segments = segment_count(body or "") if channel == "sms" else None
    return {"channel": channel, "segments": segments_bucket(segments)}
