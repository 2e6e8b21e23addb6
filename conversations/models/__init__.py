from conversations.models.contacts import AgeStatus, Contact, ContactIdentifier
from conversations.models.conversations import (
    CannedResponse,
    Conversation,
    ConversationLabel,
    ConversationRead,
    Label,
    Reopening,
)
from conversations.models.feed import FeedEvent
from conversations.models.messages import Message, Note
from conversations.models.widgets import Widget, WidgetVisitor

__all__ = [
    "AgeStatus",
    "CannedResponse",
    "Contact",
    "ContactIdentifier",
    "Conversation",
    "ConversationLabel",
    "ConversationRead",
    "FeedEvent",
    "Label",
    "Message",
    "Note",
    "Reopening",
    "Widget",
    "WidgetVisitor",
]
