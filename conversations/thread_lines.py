"""What the thread shows as a centred system line instead of a conversation
turn: SMS keywords, automatic messages, reopenings. One place for the codes and
their labels, so the web thread and the API say the same thing."""

from django.utils.translation import gettext_lazy as _

from conversations.models import Message

# A message the platform sent by itself before messages carried their event.
AUTOMATIC = "automatic"
REOPENED = "reopened"

LABELS = {
    Message.Event.STOP: _("Texted STOP: opted out of SMS"),
    Message.Event.START: _("Texted START: opted back in to SMS"),
    Message.Event.HELP: _("Texted HELP"),
    Message.Event.HELP_ANSWER: _("Automatic answer to HELP"),
    Message.Event.AUTO_REPLY: _("Out-of-hours automatic reply"),
    Message.Event.POLICY_NOTICE: _("Privacy-policy notice"),
    AUTOMATIC: _("Automatic message"),
    REOPENED: _("Reopened by a new message"),
}


def event_of(message: Message) -> str | None:
    """The message's system event code, or None for an ordinary message."""
    if message.event:
        return message.event
    if message.sender_kind == Message.SenderKind.SYSTEM:
        return AUTOMATIC
    return None


def label_of(code: str | None) -> str | None:
    return str(LABELS[code]) if code in LABELS else None
