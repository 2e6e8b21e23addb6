"""Finding ``@name`` in a note's text: which members it names, and where.

A mention is ``@`` (at the start or after a character that is not a letter or a
digit, so an email address is not one) followed by a member's full name,
compared without case; the longest name wins (``@Ana Maria`` before ``@Ana``).
A person without a full name is named by the part of their email before ``@``.

Only members who may read the conversation can be named: anyone else's name
stays plain text, nothing is stored and nobody is told (docs/notifications.md).
"""

import re
from dataclasses import dataclass

_AT = re.compile(r"(?<![\w@.])@")


@dataclass(frozen=True)
class Span:
    start: int  # the position of "@"
    end: int
    member: object


def handle(member) -> str:
    user = member.user
    return (user.full_name or "").strip() or user.email.split("@")[0]


def mention_spans(text: str, members) -> list[Span]:
    """The mentions in ``text`` of any of ``members``, in order of appearance."""
    if not text or "@" not in text:
        return []
    named = sorted(((handle(m), m) for m in members if handle(m)), key=lambda n: -len(n[0]))
    spans = []
    for at in _AT.finditer(text):
        start = at.end()
        for name, member in named:
            end = start + len(name)
            # Sliced by the name's own length: folding the whole text could move positions.
            if text[start:end].casefold() == name.casefold() and not _continues(text, end):
                spans.append(Span(at.start(), end, member))
                break
    return spans


def _continues(text: str, end: int) -> bool:
    """Whether the name runs on into a longer word (``@Ann`` in ``@Anna``)."""
    return end < len(text) and (text[end].isalnum() or text[end] == "_")


def mentioned(text: str, members) -> list:
    """The members named in ``text``, each once, in order of first mention."""
    seen, found = set(), []
    for span in mention_spans(text, members):
        if span.member.pk not in seen:
            seen.add(span.member.pk)
            found.append(span.member)
    return found
