"""The email a member is owed when someone else assigns them a conversation
(called by conversations.services.inbox.conversation_assign, in its transaction)."""

from notifications.models import EmailNotice
from notifications.selectors import preference_of
from notifications.services.emails import email_notice_queue
from tenants.models import Membership


def assignment_notify(*, actor: Membership, conversation, assignee: Membership | None):
    """Nothing when unassigned, when people assign themselves (or reply, with
    assign-on-reply), or when the assignee does not want these emails."""
    if assignee is None or assignee.pk == actor.pk:
        return None
    if not preference_of(member=assignee).email_on_assignment:
        return None
    return email_notice_queue(
        kind=EmailNotice.Kind.ASSIGNED, member=assignee, conversation=conversation, actor=actor
    )
