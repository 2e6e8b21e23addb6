"""Template helpers of the inbox's faster work (web/working.py)."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def status_count(counts, status) -> str:
    """The count a status tab shows: "" when not counted ("any", a search),
    "1000+" past the cap of closed conversations."""
    if not counts or status not in counts:
        return ""
    shown = number_format(counts[status], force_grouping=True)
    return f"{shown}+" if status == "closed" and counts.get("closed_more") else shown
