"""Template helpers of the inbox's faster work (web/working.py)."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def status_count(counts, status) -> str:
    """The count a status tab shows: "" when not counted ("any", a search),
    "999+" past the cap (conversations.selectors_counts)."""
    if not counts or status not in counts or status == "more":
        return ""
    shown = number_format(counts[status], force_grouping=True)
    return f"{shown}+" if status in counts.get("more", ()) else shown
