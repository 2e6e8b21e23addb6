import pytest

from conversations.models import Widget
from conversations.tests.factories import ConversationFactory, MessageFactory


@pytest.fixture
def widget_a(tenant_a):
    return Widget.objects.create(
        tenant=tenant_a.tenant, shop=tenant_a.shop, allowed_origins=["https://shop-a.example"]
    )


@pytest.fixture
def conversation_a(tenant_a, widget_a):
    """A widget conversation of tenant A with one inbound message."""
    conversation = ConversationFactory(
        tenant=tenant_a.tenant, shop=tenant_a.shop, channel="widget", endpoint_id=widget_a.id
    )
    MessageFactory(conversation=conversation, body="Is my cake ready?")
    conversation.inbound_count = 1
    conversation.save(update_fields=["inbound_count"])
    return conversation
