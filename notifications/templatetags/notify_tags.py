"""Template tags of notifications: the unread count of the tab title, mentions
highlighted in notes, a member's mentions on the notices page."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from notifications import selectors
from notifications.mentions import mention_spans

register = template.Library()

MENTIONS_SHOWN = 50


def _member(context):
    request = context.get("request")
    return getattr(request, "membership", None), request


@register.simple_tag(takes_context=True)
def unread_prefix(context) -> str:
    """ "(3) " before the page's title: open conversations assigned to the reader
    or unassigned with messages they have not read (notify.js keeps it current)."""
    member, _ = _member(context)
    if member is None:
        return ""
    count = selectors.unread_conversation_count(member=member)
    if not count:
        return ""
    return f"({selectors.UNREAD_CAP}+) " if count > selectors.UNREAD_CAP else f"({count}) "


def _candidates(request) -> list:
    # Once per request: every note of a thread page is marked against the same list.
    cached = getattr(request, "_mention_candidates", None)
    if cached is None:
        cached = selectors.mention_candidates(tenant=request.membership.tenant_id)
        request._mention_candidates = cached
    return cached


@register.simple_tag(takes_context=True)
def mentions_marked(context, text) -> str:
    """The note's text, escaped, with each mention of a member who may read
    conversations in a <mark>; the reader's own mentions stand out more."""
    member, request = _member(context)
    if not text or member is None or "@" not in text:
        return conditional_escape(text or "")
    parts, at = [], 0
    for span in mention_spans(text, _candidates(request)):
        parts.append(conditional_escape(text[at : span.start]))
        own = " mention-me" if span.member.pk == member.pk else ""
        parts.append(
            format_html(
                '<mark class="mention{}" data-mention="{}">{}</mark>',
                own,
                span.member.pk,
                text[span.start : span.end],
            )
        )
        at = span.end
    parts.append(conditional_escape(text[at:]))
    return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)


@register.inclusion_tag("notifications/_mentions.html", takes_context=True)
def mention_notices(context) -> dict:
    member, request = _member(context)
    rows = []
    if member is not None:
        rows = list(selectors.mention_list(member=member, unread=True)[:MENTIONS_SHOWN])
    return {"mentions": rows, "request": request}


@register.simple_tag(takes_context=True)
def mention_people(context) -> str:
    """The names a note may mention, for the ``@`` suggestions of notify.js (JSON)."""
    import json

    _, request = _member(context)
    if request is None or getattr(request, "membership", None) is None:
        return "[]"
    people = [
        {"id": str(m.pk), "name": m.user.get_full_name() or m.user.email.split("@")[0]}
        for m in _candidates(request)
        if m.pk != request.membership.pk
    ]
    return json.dumps(people)


@register.simple_tag(takes_context=True)
def notify_preference(context):
    member, _ = _member(context)
    return selectors.preference_of(member=member) if member is not None else None
