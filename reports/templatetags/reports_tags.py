"""A duration in seconds as people read it: 45 s, 12 min, 3 h 05 min, 2 d 4 h."""

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def duration(seconds):
    if seconds is None:
        return "–"
    seconds = int(seconds)
    if seconds < 60:
        return pgettext("reports", "%(s)d s") % {"s": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return pgettext("reports", "%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return pgettext("reports", "%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return pgettext("reports", "%(d)d d %(h)d h") % {"d": days, "h": hours}
