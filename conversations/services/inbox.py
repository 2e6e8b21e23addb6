"""What staff do to a conversation: assign, close, snooze, read, label, note."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import events as analytics
from analytics.tracking import track
from audit.recorder import Actor, record
from conversations.models import (
    Conversation,
    ConversationLabel,
    ConversationRead,
    FeedEvent,
    Label,
    Note,
)
from conversations.services.feed import feed_publish
from instaply.errors import Conflict, Invalid
from reports import services as report_facts
from tenants.models import Membership
from tenants.scoping import require_same_tenant

Status = Conversation.Status


def _locked(conversation: Conversation) -> Conversation:
    return (
        Conversation.objects.for_tenant(conversation.tenant_id)
        .select_for_update()
        .get(pk=conversation.pk)
    )


def _audit(actor: Membership, action: str, conversation: Conversation, **metadata) -> None:
    record(
        action,
        tenant=conversation.tenant_id,
        actor=Actor.member(actor),
        target=("conversation", conversation.pk),
        metadata=metadata or None,
    )


def _changed(conversation: Conversation, kind=FeedEvent.Kind.CONVERSATION_UPDATED) -> None:
    feed_publish(
        tenant_id=conversation.tenant_id,
        kind=kind,
        conversation_id=conversation.pk,
        status=conversation.status,
        assignee_id=conversation.assignee_id,
    )


@transaction.atomic
def conversation_assign(
    *, actor: Membership, conversation: Conversation, assignee: Membership | None
) -> Conversation:
    """Assigns to an active member who can write conversations (None unassigns)."""
    from tenants.permissions import Capability

    require_same_tenant(actor, conversation)
    if assignee is not None and (
        assignee.tenant_id != conversation.tenant_id
        or not assignee.can(Capability.CONVERSATIONS_WRITE)
    ):
        raise Invalid(
            "Conversations can only be assigned to active members who can reply.",
            fields={"assignee": ["Not an active agent, admin or owner of this tenant."]},
        )
    conversation = _locked(conversation)
    conversation.assignee = assignee
    conversation.save(update_fields=["assignee"])
    report_facts.cycle_assign(conversation=conversation)
    _audit(
        actor,
        "conversation.assigned" if assignee else "conversation.unassigned",
        conversation,
        assignee_id=assignee.pk if assignee else None,
    )
    if assignee is not None:
        track(
            analytics.CONVERSATION_ASSIGNED,
            tenant_id=conversation.tenant_id,
            contact_id=conversation.contact_id,
            channel=conversation.channel,
        )
    _changed(conversation, FeedEvent.Kind.ASSIGNMENT_CHANGED)
    from notifications.services.assignment import assignment_notify

    assignment_notify(actor=actor, conversation=conversation, assignee=assignee)
    return conversation


@transaction.atomic
def conversation_set_status(
    *, actor: Membership, conversation: Conversation, status: str, snoozed_until=None
) -> Conversation:
    if status not in Status.values:
        raise Invalid(
            "Unknown status.", fields={"status": [f"Choose one of {', '.join(Status.values)}."]}
        )
    if status == Status.SNOOZED:
        if snoozed_until is None or snoozed_until <= timezone.now():
            raise Invalid(
                "Snoozing needs a time in the future.",
                fields={"snoozed_until": ["Give a future date and time."]},
            )
    else:
        snoozed_until = None
    require_same_tenant(actor, conversation)
    conversation = _locked(conversation)
    closing = status == Status.CLOSED and conversation.status != Status.CLOSED
    reopening = status != Status.CLOSED and conversation.status == Status.CLOSED
    conversation.status, conversation.snoozed_until = status, snoozed_until
    fields = ["status", "snoozed_until"]
    if closing:
        # The reopen window counts from here (conversations.services.history).
        conversation.closed_at = timezone.now()
        fields.append("closed_at")
    try:
        with transaction.atomic():
            conversation.save(update_fields=fields)
    except IntegrityError:
        # conv_one_open_per_endpoint: the contact wrote again after this one was
        # closed, and that newer conversation is the one in progress.
        raise Conflict(
            _(
                "This contact has a newer conversation in progress on the same channel. "
                "Continue there, or close it before reopening this one."
            ),
            code="newer_conversation_in_progress",
        ) from None
    _audit(actor, f"conversation.{status}", conversation)
    if closing:
        report_facts.cycle_close(conversation=conversation, at=conversation.closed_at)
    elif reopening:
        report_facts.cycle_open(conversation=conversation, at=timezone.now(), reopened=True)
    if closing:
        track(
            analytics.CONVERSATION_CLOSED,
            tenant_id=conversation.tenant_id,
            contact_id=conversation.contact_id,
            channel=conversation.channel,
        )
    _changed(conversation)
    return conversation


@transaction.atomic
def conversations_wake(*, now=None) -> int:
    """Reopens snoozed conversations whose time has come (a periodic task)."""
    now = now or timezone.now()
    due = list(
        Conversation.objects.dangerously_unscoped(reason="the wake-up job serves every tenant")
        .select_for_update(skip_locked=True)
        .filter(status=Status.SNOOZED, snoozed_until__lte=now)[:500]
    )
    for conversation in due:
        conversation.status, conversation.snoozed_until = Status.OPEN, None
        conversation.save(update_fields=["status", "snoozed_until"])
        _changed(conversation)
    return len(due)


@transaction.atomic
def conversation_mark_read(*, actor: Membership, conversation: Conversation) -> ConversationRead:
    require_same_tenant(actor, conversation)
    read, _ = ConversationRead.objects.for_tenant(conversation.tenant_id).get_or_create(
        tenant_id=conversation.tenant_id, conversation=conversation, membership=actor
    )
    read.inbound_count_seen = conversation.inbound_count
    read.read_at = timezone.now()
    read.save(update_fields=["inbound_count_seen", "read_at"])
    from notifications.services.mentions import mentions_read

    mentions_read(member=actor, conversation=conversation)  # seen here, so read
    return read


@transaction.atomic
def conversation_label(
    *, actor: Membership, conversation: Conversation, label: Label, present: bool
) -> None:
    require_same_tenant(actor, conversation, label)
    links = ConversationLabel.objects.for_tenant(conversation.tenant_id)
    if present:
        links.get_or_create(
            tenant_id=conversation.tenant_id, conversation=conversation, label=label
        )
    else:
        links.filter(conversation=conversation, label=label).delete()
    _audit(
        actor,
        "conversation.labelled" if present else "conversation.unlabelled",
        conversation,
        label_id=label.pk,
    )
    _changed(conversation)


@transaction.atomic
def note_add(*, actor: Membership, conversation: Conversation, body: str) -> Note:
    require_same_tenant(actor, conversation)
    body = body.strip()
    if not body:
        raise Invalid("A note cannot be empty.", fields={"body": ["This field may not be blank."]})
    note = Note(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        contact_id=conversation.contact_id,
        author=actor,
        body=body,
    )
    note.save(force_insert=True)
    record(
        "note.created",
        tenant=conversation.tenant_id,
        actor=Actor.member(actor),
        target=("note", note.pk),
        metadata={"conversation_id": conversation.pk},
    )
    feed_publish(
        tenant_id=conversation.tenant_id,
        kind=FeedEvent.Kind.NOTE_CREATED,
        conversation_id=conversation.pk,
        note_id=note.pk,
    )
    from notifications.services.mentions import mentions_record

    mentions_record(note=note, actor=actor)  # @name: the member's notice and email
    return note
