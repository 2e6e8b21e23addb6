"""Who may be told about a conversation: one rule for mentions, emails and the
live notifications, so a notice never reaches someone the conversation itself
would refuse."""

from tenants.permissions import Capability


def may_read_conversation(member, conversation) -> bool:
    """Today a role rule (viewers read, privacy officers do not); a finer scope
    (per shop) would be added here and hold for every notification at once."""
    return (
        member is not None
        and member.tenant_id == conversation.tenant_id
        and member.can(Capability.CONVERSATIONS_READ)
    )
