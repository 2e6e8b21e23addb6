"""Removing single messages from their conversations (a withdrawn consent).

Erasure removes a whole contact (privacy.dsr.erasure); this removes a few
messages and leaves each conversation as if they had never been written: its
preview, its count of inbound messages and the members' read marks follow, and
the live feed tells open inboxes to refresh the thread.
"""

from collections import defaultdict

from django.db import transaction

from conversations.models import Conversation, ConversationRead, FeedEvent, Message
from conversations.services.feed import feed_publish
from conversations.services.messages import PREVIEW_LENGTH
from privacy.crypto import is_erased
from privacy.fields import open_or_mark
from search.services import documents_forget


@transaction.atomic
def messages_remove(*, tenant_id, message_ids: list) -> dict[str, list]:
    """Deletes these messages of the tenant; returns the deleted ids by
    conversation id (ids that are not the tenant's messages are ignored).

    Call inside the transaction that decided it (the caller holds the contact's
    row lock): the conversations are locked here, in id order.
    """
    # Index: the primary key.
    rows = list(
        Message.objects.for_tenant(tenant_id)
        .filter(pk__in=message_ids)
        .order_by("pk")
        .values_list("pk", "conversation_id", "direction")
    )
    by_conversation: dict = defaultdict(list)
    for pk, conversation_id, direction in rows:
        by_conversation[conversation_id].append((pk, direction))
    for conversation_id in sorted(by_conversation):
        _remove_from(tenant_id, conversation_id, by_conversation[conversation_id])
    return {
        str(conversation_id): [str(pk) for pk, _ in removed]
        for conversation_id, removed in sorted(by_conversation.items())
    }


def _remove_from(tenant_id, conversation_id, removed: list[tuple]) -> None:
    conversation = (
        Conversation.objects.for_tenant(tenant_id).select_for_update().get(pk=conversation_id)
    )
    thread = Message.objects.for_tenant(tenant_id).filter(conversation_id=conversation_id)
    ids = [pk for pk, _ in removed]
    inbound = [pk for pk, direction in removed if direction == Message.Direction.INBOUND]
    # The place of each removed inbound message among the thread's inbound ones
    # (UUIDv7 ids are time-ordered), so read marks past it move back by one.
    # Index: message_tenant_thread.
    places = [
        thread.filter(direction=Message.Direction.INBOUND, pk__lte=pk).count() for pk in inbound
    ]
    # Send attempts cascade; widget messages have no stored webhooks.
    thread.filter(pk__in=ids).delete()
    documents_forget(tenant_id=tenant_id, ids=ids)
    fields = []
    if inbound:
        conversation.inbound_count = max(0, conversation.inbound_count - len(inbound))
        fields.append("inbound_count")
        reads = ConversationRead.objects.for_tenant(tenant_id).filter(conversation=conversation)
        for read in reads.select_for_update():
            seen = read.inbound_count_seen
            seen -= sum(1 for place in places if place <= read.inbound_count_seen)
            if seen != read.inbound_count_seen:
                read.inbound_count_seen = max(0, seen)
                read.save(update_fields=["inbound_count_seen"])
    # The preview shows the newest message left (index: message_tenant_thread).
    newest = thread.order_by("-id").first()
    preview = ""
    if newest is not None and not open_or_mark(newest, "body") and not is_erased(newest.body):
        preview = (newest.body or "")[:PREVIEW_LENGTH]
    conversation.last_message_preview = preview
    fields.append("last_message_preview")
    conversation.save(update_fields=fields)
    feed_publish(
        tenant_id=tenant_id,
        kind=FeedEvent.Kind.CONVERSATION_UPDATED,
        conversation_id=conversation.pk,
        status=conversation.status,
        assignee_id=conversation.assignee_id,
        messages_removed=len(ids),
    )
