"""One action on several conversations at once (the inbox's selection, the API's
bulk endpoint): close, assign, label or mark read.

Each conversation goes through the same service as a single change (its own
audit event, its live-feed entry); the whole selection is one transaction, so a
refused one (another tenant's id, a member who cannot be assigned) leaves
every other unchanged. Conversations already in the wanted state are counted,
not changed again.
"""

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from audit.recorder import Actor, record
from conversations.models import Conversation, ConversationLabel, Label
from conversations.services import inbox
from instaply.errors import Forbidden, Invalid, NotFound
from tenants.models import Membership
from tenants.permissions import Capability, denial_message

ACTIONS = ("close", "assign", "label", "mark_read")
MAX_CONVERSATIONS = 100
# Marking read changes only the member's own read position: viewers may too.
CAPABILITY = {
    "close": Capability.CONVERSATIONS_WRITE,
    "assign": Capability.CONVERSATIONS_WRITE,
    "label": Capability.CONVERSATIONS_WRITE,
    "mark_read": Capability.CONVERSATIONS_READ,
}


@dataclass(frozen=True)
class BulkResult:
    action: str
    changed: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.changed + self.unchanged


def _ids(conversation_ids) -> list[uuid.UUID]:
    if not conversation_ids:
        raise Invalid(
            _("Select at least one conversation."),
            fields={"conversations": [_("Select at least one conversation.")]},
        )
    if len(conversation_ids) > MAX_CONVERSATIONS:
        message = _("At most %(n)d conversations at a time.") % {"n": MAX_CONVERSATIONS}
        raise Invalid(message, fields={"conversations": [message]})
    try:
        return sorted({uuid.UUID(str(value)) for value in conversation_ids})
    except ValueError:
        raise Invalid(
            _("A conversation id is not valid."),
            fields={"conversations": [_("A conversation id is not valid.")]},
        ) from None


@transaction.atomic
def conversations_bulk(
    *,
    actor: Membership,
    action: str,
    conversation_ids,
    assignee: Membership | None = None,
    label: Label | None = None,
) -> BulkResult:
    """``assignee`` (None unassigns) for "assign", ``label`` for "label"; both
    looked up in the actor's tenant by the caller."""
    if action not in ACTIONS:
        message = _("Choose one of: %(actions)s.") % {"actions": ", ".join(ACTIONS)}
        raise Invalid(message, fields={"action": [message]})
    if not actor.can(CAPABILITY[action]):
        raise Forbidden(denial_message(actor.role, CAPABILITY[action]))
    if action == "label" and label is None:
        raise Invalid(_("Choose a label."), fields={"label": [_("Choose a label.")]})
    ids = _ids(conversation_ids)
    # Locked in id order, so two selections that overlap cannot deadlock.
    # Index: the primary key (every id is looked up inside the tenant).
    found = list(
        Conversation.objects.for_tenant(actor.tenant_id)
        .select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(found) != len(ids):
        # Another tenant's id and a missing one are the same 404 (DESIGN rule 1).
        raise NotFound(_("Some of these conversations do not exist."))
    changed = 0
    labelled = set()
    if action == "label":
        labelled = set(
            ConversationLabel.objects.for_tenant(actor.tenant_id)
            .filter(conversation_id__in=ids, label=label)
            .values_list("conversation_id", flat=True)
        )
    for conversation in found:
        if action == "close":
            if conversation.status == Conversation.Status.CLOSED:
                continue
            inbox.conversation_set_status(
                actor=actor, conversation=conversation, status=Conversation.Status.CLOSED
            )
        elif action == "assign":
            if conversation.assignee_id == (assignee.pk if assignee else None):
                continue
            inbox.conversation_assign(actor=actor, conversation=conversation, assignee=assignee)
        elif action == "label":
            if conversation.pk in labelled:
                continue
            inbox.conversation_label(
                actor=actor, conversation=conversation, label=label, present=True
            )
        else:
            inbox.conversation_mark_read(actor=actor, conversation=conversation)
        changed += 1
    result = BulkResult(action=action, changed=changed, unchanged=len(found) - changed)
    # Each change has its own event above; this one says they were one request.
    record(
        "conversation.bulk",
        tenant=actor.tenant_id,
        actor=Actor.member(actor),
        target=("conversation_selection", ""),
        metadata={"action": action, "selected": result.total, "changed": result.changed},
    )
    return result
