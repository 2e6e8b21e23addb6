"""Messages whose stored bytes do not decrypt.

AES-GCM refuses a body whose bytes were altered or that was copied from another
row (each value is bound to its row). One such message must not take the whole
thread down: it reads as unreadable, the rest of the thread is shown, and the
damage is reported (an audit event, and one security alert per row).
"""

from audit import actions
from audit.recorder import Actor, record
from conversations.models import Message
from privacy.fields import open_or_mark

ENCRYPTED_FIELDS = ("body", "attachments")


def messages_open(*, messages: list[Message], request=None) -> list[Message]:
    """Opens every message of a page; returns those that did not open (now marked)."""
    unreadable = []
    for message in messages:
        failed = open_or_mark(message, *ENCRYPTED_FIELDS)
        if failed:
            message.unreadable = True
            unreadable.append(message)
            record(
                actions.PERSONAL_DATA_UNREADABLE,
                outcome="failure",
                request=request,
                tenant=message.tenant_id,
                actor=None if request is not None else Actor.system("message_read"),
                target=("message", message.pk),
                metadata={"fields": failed, "conversation_id": message.conversation_id},
            )
    return unreadable
