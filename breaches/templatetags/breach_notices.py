"""Template helpers of breach notices: durations in hours and minutes, and the
console home's view of unsent notices (so the home view needs no change)."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def hours_minutes(seconds) -> str:
    """3723 (or -3723) -> "1 h 2 min": how late a notice was, how long is left."""
    if seconds in (None, ""):
        return ""
    seconds = abs(int(seconds))
    return _("%(hours)s h %(minutes)s min") % {
        "hours": seconds // 3600,
        "minutes": seconds // 60 % 60,
    }


@register.filter
def seconds_until(moment) -> int:
    """Seconds from now until ``moment`` (negative once it passed)."""
    if moment is None:
        return 0
    return int((moment - timezone.now()).total_seconds())


@register.filter
def unsent(notices) -> list:
    """The notices not sent yet."""
    return [notice for notice in notices if notice.sent_at is None]


@register.simple_tag
def unsent_notice_alerts():
    from breaches.selectors_notices import unsent_alerts

    return unsent_alerts(now=timezone.now())
