from django import template

from attachments.selectors import attachments_of_conversation

register = template.Library()


@register.simple_tag(takes_context=True)
def message_files(context, message) -> list:
    """The files of a thread's message: the conversation's files are read once
    per rendering (one query), then handed out message by message."""
    cache = context.render_context.setdefault("attachments_by_conversation", {})
    conversation_id = message.conversation_id
    if conversation_id not in cache:
        cache[conversation_id] = attachments_of_conversation(
            tenant=message.tenant_id, conversation_id=conversation_id
        )
    return cache[conversation_id].get(message.pk, [])
