"""Typing and seen, between a widget visitor and the shop's staff.

Typing is ephemeral: a signal lives a few seconds in the cache (Redis in
production, shared by every web process) and is never stored. Each side sends
one at most every few seconds while typing (the scripts hold back, and a rate
limit per visitor and per member refuses more). A message sent ends its
author's typing at once.

Seen is stored: the visitor's read marker is WidgetVisitor.read_up_to (the
newest reply their open chat showed), the shop's is the staff's
ConversationRead (someone opened the thread after the message came).
"""

import datetime as dt
import time
import uuid

from django.core.cache import cache
from django.db.models import Max, Q

from conversations.models import Conversation, ConversationRead, Message, WidgetVisitor
from instaply.errors import Invalid

TYPING_SECONDS = 6


def _key(side: str, conversation: Conversation | WidgetVisitor) -> str:
    conversation_id = getattr(conversation, "conversation_id", None) or conversation.pk
    return f"widget:typing:{side}:{conversation.tenant_id}:{conversation_id}"


def first_name(membership) -> str:
    """What a visitor sees of a staff member: the first word of their name,
    never their email or surname; "" when they gave no name."""
    if membership is None or membership.user is None:
        return ""
    return (membership.user.full_name or "").strip().split(" ")[0]


# The visitor's side ------------------------------------------------------------------


def visitor_typing_signal(*, visitor: WidgetVisitor) -> None:
    cache.set(_key("visitor", visitor), 1, TYPING_SECONDS)


def visitor_typing_end(*, visitor: WidgetVisitor) -> None:
    cache.delete(_key("visitor", visitor))


def visitor_is_typing(*, conversation: Conversation) -> bool:
    return bool(cache.get(_key("visitor", conversation)))


def visitor_read(*, visitor: WidgetVisitor, message_id: uuid.UUID) -> uuid.UUID:
    """Moves the visitor's read marker up to a reply of their chat (never back)."""
    replies = Message.objects.for_tenant(visitor.tenant_id).filter(
        pk=message_id,
        contact=visitor.contact_id,
        direction=Message.Direction.OUTBOUND,
        created_at__gte=visitor.created_at,
    )
    if not replies.exists():
        raise Invalid(
            "This is not a reply of your chat.",
            fields={"message_id": ["Not a reply of this chat."]},
        )
    WidgetVisitor.objects.for_tenant(visitor.tenant_id).filter(pk=visitor.pk).filter(
        Q(read_up_to__isnull=True) | Q(read_up_to__lt=message_id)
    ).update(read_up_to=message_id)
    return message_id


def shop_seen_at(*, visitor: WidgetVisitor):
    """When someone of the shop last opened the visitor's conversation, or None."""
    reads = ConversationRead.objects.for_tenant(visitor.tenant_id).filter(
        conversation=visitor.conversation_id
    )
    return reads.aggregate(seen=Max("read_at"))["seen"]


# The shop's side ---------------------------------------------------------------------


def agent_typing_signal(*, membership, conversation: Conversation) -> None:
    cache.set(
        _key("agent", conversation),
        {"name": first_name(membership), "at": time.time()},
        TYPING_SECONDS,
    )


def agent_typing(*, visitor: WidgetVisitor) -> dict | None:
    """{"name": first name or ""} while someone of the shop types in the visitor's
    conversation; None otherwise, and once a reply left after the signal."""
    signal = cache.get(_key("agent", visitor))
    if not signal:
        return None
    replied = Message.objects.for_tenant(visitor.tenant_id).filter(
        conversation=visitor.conversation_id,
        direction=Message.Direction.OUTBOUND,
        created_at__gt=dt.datetime.fromtimestamp(signal["at"], tz=dt.UTC),
    )
    return None if replied.exists() else {"name": signal["name"]}


def visitor_read_up_to(*, conversation: Conversation) -> uuid.UUID | None:
    """The newest reply of the conversation a visitor's chat showed them."""
    return (
        WidgetVisitor.objects.for_tenant(conversation.tenant_id)
        .filter(conversation=conversation, read_up_to__isnull=False)
        .order_by("-read_up_to")
        .values_list("read_up_to", flat=True)
        .first()
    )
