"""Template helpers of the incident pages: the words of codes, durations."""

import datetime as dt

from django import template
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from breaches import labels

register = template.Library()

_SETS = {
    "nature": labels.NATURES,
    "property": labels.PROPERTIES,
    "data": labels.DATA_CATEGORIES,
    "subject": labels.SUBJECT_CATEGORIES,
    "risk": labels.RISK_LEVELS,
    "scope": labels.SCOPE_KINDS,
    "layer": labels.KEY_LAYERS,
    "state": labels.STATES,
}


@register.filter
def breach_words(codes, kind: str) -> str:
    """``{{ incident.natures|breach_words:"nature" }}``; a single code works too."""
    if isinstance(codes, str):
        codes = [codes]
    return labels.words(_SETS[kind], codes)


@register.filter
def hours_minutes(value) -> str:
    """A duration (seconds or timedelta) as "5 h 07 min"; nothing for None."""
    if value is None:
        return ""
    seconds = int(value.total_seconds() if isinstance(value, dt.timedelta) else value)
    minutes = abs(seconds) // 60
    return _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


@register.filter
def iso_local(value) -> str:
    """A stored ISO time (a scope's window) in the reader's time zone."""
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i T")
