"""Contacts and messages written through the services that own them, so the
search index is maintained as in production."""

from conversations.services.contacts import contact_get_or_create
from conversations.services.messages import conversation_for_inbound, message_receive


def texted(world, body: str, *, phone: str = "+33612345678", name: str = "", now=None):
    """A text from ``phone`` to the world's shop: (contact, conversation, message)."""
    contact, _ = contact_get_or_create(
        tenant_id=world.tenant.id,
        kind="phone",
        value=phone,
        defaults={"name": name or None},
    )
    conversation = conversation_for_inbound(
        shop=world.shop, contact=contact, channel="widget", endpoint_id=_widget(world).pk, now=now
    )
    return contact, conversation, message_receive(conversation=conversation, body=body, now=now)


def _widget(world):
    from conversations.models import Widget

    found = Widget.objects.for_tenant(world.tenant).filter(shop=world.shop).first()
    return found or Widget.objects.create(tenant=world.tenant, shop=world.shop)
