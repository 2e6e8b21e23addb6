"""Fixtures of the page tests: a widget conversation, clients per role."""

import pytest

from conversations.models import Contact, Conversation, Widget
from conversations.services.messages import message_receive
from tenants.models import Role
from web.tests.helpers import verified_client


@pytest.fixture
def widget_a(tenant_a):
    return Widget.objects.create(
        tenant=tenant_a.tenant, shop=tenant_a.shop, allowed_origins=["https://shop-a.example"]
    )


def start_conversation(world, widget, *, name="Zoé Martin", body="Is my cake ready?", **contact):
    person = Contact(tenant=world.tenant, name=name, **contact)
    person.save(force_insert=True)
    conversation = Conversation.objects.create(
        tenant=world.tenant, shop=world.shop, contact=person, channel="widget",
        endpoint_id=widget.id,
    )  # fmt: skip
    message_receive(conversation=conversation, body=body)
    conversation.refresh_from_db()
    return conversation


@pytest.fixture
def conversation_a(tenant_a, widget_a):
    return start_conversation(tenant_a, widget_a)


@pytest.fixture
def page_as(tenant_a):
    """page_as(role): a browser session of that member of tenant A, second factor passed."""
    return lambda role=Role.AGENT: verified_client(tenant_a.members[role].user)
