"""Template helpers of the staff pages: capabilities, labels and times."""

import datetime as dt

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

from conversations.api.serializers import contact_display_name
from privacy.crypto import is_erased
from privacy.minors.rules import age_status_label
from web import labels

register = template.Library()


@register.filter
def can(membership, capability: str) -> bool:
    """``{% if request.membership|can:"conversations.write" %}``: shows write controls."""
    return membership is not None and membership.can(capability)


@register.filter
def role_label(code) -> str:
    return labels.label(labels.ROLES, code)


@register.filter
def status_label(code) -> str:
    return labels.label(labels.CONVERSATION_STATUSES, code)


@register.filter
def message_status_label(code) -> str:
    return labels.label(labels.MESSAGE_STATUSES, code)


@register.filter
def channel_label(code) -> str:
    return labels.label(labels.CHANNELS, code)


@register.filter
def age_label(code) -> str:
    # With the threshold ages of the settings (privacy.minors).
    return age_status_label(code)


@register.filter
def provider_label(code) -> str:
    return labels.label(labels.PROVIDERS, code)


@register.filter
def personal(value) -> str:
    """A decrypted personal value, or nothing when it was erased."""
    return "" if value is None or is_erased(value) else value


@register.filter
def display_name(contact) -> str:
    return contact_display_name(contact)


@register.simple_tag
def when(value, style: str = "short"):
    """A <time> in the reader's time zone: the hour today, the date otherwise."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    today = timezone.localtime().date()
    if style == "full":
        shown = formats.date_format(local, "DATETIME_FORMAT")
    elif local.date() == today:
        shown = formats.time_format(local, "TIME_FORMAT")
    elif abs((today - local.date()).days) < 180:
        shown = formats.date_format(local, "MONTH_DAY_FORMAT")
    else:
        shown = formats.date_format(local, "SHORT_DATE_FORMAT")
    full = formats.date_format(local, "DATETIME_FORMAT")
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), full, shown)


@register.filter
def local_input(value) -> str:
    """A datetime as a datetime-local input's value, in the reader's time zone."""
    if not isinstance(value, dt.datetime):
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@register.simple_tag
def inbox_query(filters, **changes) -> str:
    """The inbox's query string with some filters changed (a new filter starts at page one)."""
    return filters.query(**changes)


@register.filter
def sort_key(conversation) -> str:
    """The list's order as one string the page's script can compare: newest activity
    first, ties by id, like the selector's keyset."""
    at = conversation.last_activity_at.astimezone(dt.UTC)
    return f"{at:%Y-%m-%dT%H:%M:%S.%f}|{conversation.id}"


@register.filter
def weekday_label(code) -> str:
    return labels.label(labels.WEEKDAYS, code)


@register.filter
def alert_label(code) -> str:
    return labels.label(labels.ALERT_RULES, code)


@register.filter
def severity_label(code) -> str:
    return labels.label(labels.SEVERITIES, code)


@register.filter
def thread_event(message) -> str | None:
    """The system event of a thread message (conversations.thread_lines), or None."""
    from conversations.thread_lines import event_of

    return event_of(message)


@register.filter
def thread_event_label(code) -> str:
    from conversations.thread_lines import label_of

    return label_of(code) or ""
