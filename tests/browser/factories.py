"""A conversation in the demo world, as a website visitor would have started it."""

from conversations.models import Contact, Conversation
from conversations.services.messages import message_receive


def widget_conversation(demo, *, name: str, body: str) -> Conversation:
    contact = Contact(tenant=demo.tenant, name=name)
    contact.save(force_insert=True)
    conversation = Conversation.objects.create(
        tenant=demo.tenant, shop=demo.shop, contact=contact, channel="widget",
        endpoint_id=demo.widget.id,
    )  # fmt: skip
    message_receive(conversation=conversation, body=body)
    return conversation
