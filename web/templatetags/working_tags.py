"""Template helpers of the inbox's faster work (web/working.py)."""

from django import template

from conversations.selectors_counts import count_shown

register = template.Library()


@register.filter
def status_count(counts, status) -> str:
    """The count a status tab shows (conversations.selectors_counts.count_shown)."""
    return count_shown(counts, status)
