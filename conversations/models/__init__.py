from conversations.models.contacts import AgeStatus, Contact, ContactIdentifier
from conversations.models.conversations import (
    CannedResponse,
    Conversation,
    ConversationLabel,
    ConversationRead,
    Label,
)
from conversations.models.messages import Message, Note

__all__ = [
    "AgeStatus",
    "CannedResponse",
    "Contact",
    "ContactIdentifier",
    "Conversation",
    "ConversationLabel",
    "ConversationRead",
    "Label",
    "Message",
    "Note",
]
