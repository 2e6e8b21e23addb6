import datetime as dt

import pytest
import time_machine

from conversations.models import Conversation
from conversations.services import inbox
from conversations.services.messages import conversation_for_inbound, message_receive, message_reply
from conversations.tests.factories import ContactFactory
from tenants.models import Role

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)  # a Monday


class Clock:
    """Runs service calls at chosen moments: the facts take the services' times."""

    def __init__(self, world):
        from conversations.models import Widget

        self.world = world
        self.widget = Widget.objects.create(tenant=world.tenant, shop=world.shop)

    def at(self, moment):
        return time_machine.travel(moment, tick=False)

    def text(self, moment, *, contact=None, channel="widget", endpoint_id=None, shop=None):
        """A customer's text at ``moment``: opens, reopens or joins a conversation."""
        contact = contact or ContactFactory(tenant=self.world.tenant)
        shop = shop or self.world.shop
        with self.at(moment):
            conversation = conversation_for_inbound(
                shop=shop,
                contact=contact,
                channel=channel,
                endpoint_id=endpoint_id or self.widget.pk,
                now=moment,
            )
            message_receive(conversation=conversation, body="Hello", now=moment)
        return Conversation.objects.for_tenant(self.world.tenant).get(pk=conversation.pk)

    def reply(self, moment, conversation, role=Role.AGENT, member=None):
        with self.at(moment):
            message_reply(
                actor=member or self.world.members[role], conversation=conversation, body="On it"
            )

    def assign(self, moment, conversation, member):
        with self.at(moment):
            inbox.conversation_assign(
                actor=self.world.owner, conversation=conversation, assignee=member
            )

    def close(self, moment, conversation, role=Role.AGENT):
        with self.at(moment):
            inbox.conversation_set_status(
                actor=self.world.members[role], conversation=conversation, status="closed"
            )


@pytest.fixture
def clock(tenant_a):
    return Clock(tenant_a)
