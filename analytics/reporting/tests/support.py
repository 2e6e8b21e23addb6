"""Helpers of the reporting tests: source rows at chosen times, and the extract
run at a moment when everything written so far has settled."""

import datetime as dt
import time

from django.utils import timezone

from analytics.reporting import keys
from analytics.reporting.extract import SETTLE, extract_run
from analytics.reporting.models import ConversationFact, MessageFact
from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory

OPENED = dt.datetime(2026, 11, 3, 10, 17, 45, tzinfo=dt.UTC)


def settled_now() -> dt.datetime:
    return timezone.now() + SETTLE + dt.timedelta(seconds=5)


def extract(**options):
    return extract_run(now=settled_now(), **options)


def conversation_with_reply(world, *, opened=OPENED, reply_after=None, channel="sms"):
    """A conversation opened at ``opened`` by an inbound text, and a member's reply
    ``reply_after`` later (none if None)."""
    conversation = ConversationFactory(
        tenant=world.tenant, shop=world.shop, channel=channel, created_at=opened
    )
    MessageFactory(conversation=conversation, created_at=opened)
    if reply_after is not None:
        MessageFactory(
            conversation=conversation,
            created_at=opened + reply_after,
            direction=Message.Direction.OUTBOUND,
            sender_kind=Message.SenderKind.MEMBER,
            sender=world.owner,
            status=Message.Status.SENT,
        )
    # The next row's id falls in a later millisecond (UUIDv7), as in real traffic.
    time.sleep(0.002)
    return conversation


def conversation_fact(conversation) -> ConversationFact | None:
    key = keys.opaque_key(keys.CONVERSATION, conversation.pk)
    return ConversationFact.objects.filter(key=key).first()


def message_facts(conversation):
    key = keys.opaque_key(keys.CONVERSATION, conversation.pk)
    return MessageFact.objects.filter(conversation_key=key)
