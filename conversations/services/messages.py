"""Messages in and out of a conversation."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from analytics import events as analytics
from analytics.tracking import track, track_about_contacts
from audit.recorder import Actor, record
from conversations.channels import channel_for
from conversations.models import Contact, Conversation, FeedEvent, Message
from conversations.services.feed import feed_publish, feed_publish_many
from conversations.services.history import (  # noqa: F401 (their callers import them from here)
    conversation_for_inbound,
    conversations_for_inbound_many,
)
from conversations.services.hours import closed_period_start
from instaply.db.rows_update import rows_update
from instaply.errors import Conflict, Invalid
from privacy.minors import rules as minor_rules
from privacy.policies.selectors import version_in_force
from reports import services as report_facts
from search.services import messages_index
from tenants.models import Membership
from tenants.scoping import require_same_tenant

PREVIEW_LENGTH = 120
MAX_BODY_LENGTH = 4000


def _append_outbound(
    conversation: Conversation, message: Message, *, activity: bool = True
) -> None:
    """``activity=False``: the message neither moves the conversation up the
    inbox nor restarts its retention clock (a platform notice, not a reply).
    Inbound messages land through messages_receive_many."""
    # The privacy-policy version in force when the message was sent.
    message.policy_version = version_in_force(message.created_at)
    message.save(force_insert=True)
    messages_index([message])
    if activity:
        conversation.last_message_preview = (message.body or "")[:PREVIEW_LENGTH]
        conversation.last_activity_at = message.created_at
        conversation.save(update_fields=["last_message_preview", "last_activity_at"])
    feed_publish(tenant_id=conversation.tenant_id, **_created_entry(message))


@transaction.atomic
def message_receive(
    *,
    conversation: Conversation,
    body: str,
    attachments: list | None = None,
    provider_message_id: str = "",
    now=None,
    consent=None,
    event: str = "",
) -> Message:
    """An end-user's message lands in the inbox (and may trigger the auto-reply).

    ``consent``: the consent entry the message was sent under (a widget
    visitor's special-category consent); withdrawing it deletes the message.
    ``event``: a keyword (Message.Event) the thread shows as a system line.
    """
    now = now or timezone.now()
    conversation = (
        Conversation.objects.for_tenant(conversation.tenant_id)
        .select_for_update()
        .select_related("shop", "contact")
        .get(pk=conversation.pk)
    )
    (message,) = messages_receive_many(
        [
            Inbound(
                conversation=conversation,
                body=body,
                attachments=attachments,
                provider_message_id=provider_message_id,
                now=now,
                consent=consent,
                event=event,
            )
        ]
    )
    conversation_auto_reply(conversation, now)
    return message


@dataclass
class Inbound:
    """One end-user message to land; its conversation is locked by the caller
    (select_for_update) and carries its contact and shop."""

    conversation: Conversation
    body: str
    now: dt.datetime
    attachments: list | None = None
    provider_message_id: str = ""
    consent: object = None
    event: str = ""


def messages_receive_many(inbounds: list[Inbound]) -> list[Message]:
    """End-users' messages of one tenant land in the inbox, in this order: one
    INSERT for the messages, one UPDATE per conversation, one batch of feed
    entries and one of analytics events. Call inside the caller's transaction,
    with every conversation locked. No automatic reply here: the caller asks
    ``conversation_auto_reply`` after the message that may trigger it."""
    if not inbounds:
        return []
    tenant_id = inbounds[0].conversation.tenant_id
    messages = []
    for inbound in inbounds:
        conversation = inbound.conversation
        message = Message(
            tenant_id=tenant_id,
            conversation=conversation,
            contact_id=conversation.contact_id,
            direction=Message.Direction.INBOUND,
            sender_kind=Message.SenderKind.CONTACT,
            body=inbound.body,
            attachments=inbound.attachments or None,
            provider_message_id=inbound.provider_message_id,
            consent=inbound.consent,
            event=inbound.event,
            status=Message.Status.RECEIVED,
            created_at=inbound.now,
            status_changed_at=inbound.now,
            # The privacy-policy version in force when the message was collected.
            policy_version=version_in_force(inbound.now),
        )
        messages.append(message)
    Message.objects.for_tenant(tenant_id).bulk_create(messages)
    messages_index(messages)
    landed: dict = {}  # conversation pk -> (conversation, its messages), in order
    for message in messages:
        landed.setdefault(message.conversation_id, (message.conversation, []))[1].append(message)
    _conversations_received(list(landed.values()))
    feed_publish_many(tenant_id=tenant_id, entries=[_created_entry(m) for m in messages])
    track_about_contacts(
        analytics.MESSAGE_RECEIVED,
        tenant_id=tenant_id,
        events=[
            (
                i.conversation.contact,
                i.now,
                analytics.message_properties(channel=i.conversation.channel, body=i.body),
            )
            for i in inbounds
        ],
    )
    return messages


def _conversations_received(landed: list[tuple[Conversation, list[Message]]]) -> None:
    """The conversations (locked by the caller) after their new inbound messages:
    on PostgreSQL, one UPDATE for all but those a message reopens."""
    together = []
    for conversation, messages in landed:
        newest = messages[-1]
        conversation.last_message_preview = (newest.body or "")[:PREVIEW_LENGTH]
        conversation.last_activity_at = newest.created_at
        reopened = conversation.status in (Conversation.Status.SNOOZED, Conversation.Status.PENDING)
        if reopened or connection.vendor != "postgresql" or len(landed) == 1:
            _conversation_received(conversation, messages)
        else:
            together.append((conversation, len(messages)))
    if not together:
        return
    preview = Conversation._meta.get_field("last_message_preview")
    rows_update(
        Conversation,
        tenant_id=together[0][0].tenant_id,
        columns=[("preview", "bytea"), ("at", "timestamptz"), ("n", "integer")],
        # pre_save: the preview encrypted, bound to its row, as save() would.
        rows=[(c.pk, preview.pre_save(c, False), c.last_activity_at, n) for c, n in together],
        assign=(
            "last_message_preview = v.preview, last_activity_at = v.at, "
            "inbound_count = t.inbound_count + v.n"
        ),
    )
    for conversation, count in together:
        conversation.inbound_count += count  # the row is locked: this is what it holds


def _conversation_received(conversation: Conversation, messages: list[Message]) -> None:
    count = conversation.inbound_count + len(messages)
    # F() as well as the lock: a count is never lost whoever else writes it.
    conversation.inbound_count = F("inbound_count") + len(messages)
    fields = ["last_message_preview", "last_activity_at", "inbound_count"]
    if conversation.status in (Conversation.Status.SNOOZED, Conversation.Status.PENDING):
        conversation.status, conversation.snoozed_until = Conversation.Status.OPEN, None
        fields += ["status", "snoozed_until"]
    conversation.save(update_fields=fields)
    conversation.inbound_count = count  # the row is locked: this is what it holds


def _created_entry(message: Message) -> dict:
    return {
        "kind": FeedEvent.Kind.MESSAGE_CREATED,
        "conversation_id": message.conversation_id,
        "message_id": message.pk,
        "direction": message.direction,
        "status": message.status,
    }


def conversation_auto_reply(conversation: Conversation, now) -> Message | None:
    """The shop's out-of-hours reply, once per closed period, after an inbound
    message (the conversation locked by the caller, with its shop)."""
    period = _auto_reply_period(conversation, now)
    if period is None:
        return None
    conversation.auto_replied_for = period
    conversation.save(update_fields=["auto_replied_for"])
    return message_send_automatic(
        conversation=conversation,
        body=conversation.shop.auto_reply_text,
        now=now,
        event=Message.Event.AUTO_REPLY,
    )


def auto_reply_due(conversation: Conversation, now) -> bool:
    """Whether a message landing now would get the out-of-hours reply."""
    return _auto_reply_period(conversation, now) is not None


def _auto_reply_period(conversation: Conversation, now):
    shop = conversation.shop
    if not shop.auto_reply_text:
        return None
    period = closed_period_start(hours=shop.business_hours, time_zone=shop.time_zone, now=now)
    if period is None or conversation.auto_replied_for == period:
        return None
    return period


def send_refusal(
    conversation: Conversation, contact: Contact, *, restriction: bool = True
) -> Conflict | None:
    """Why nothing may be sent to this contact on this conversation now, or None.

    One rule for staff replies, retries and automatic messages alike: the
    contact's age (under 15, or a minor without parental authorisation: this
    holds for service messages too), restricted processing, an opt-out of the
    channel, or the channel's own reason.
    """
    age = minor_rules.send_refusal(contact)
    if age:
        return age
    if restriction and contact.processing_refused:
        return Conflict(
            "Processing of this contact's data is restricted: no message can be sent.",
            code="processing_restricted",
        )
    if contact.has_opted_out(conversation.channel):
        return Conflict(
            f"This contact opted out of {conversation.channel} messages; nothing was sent.",
            code="opted_out",
        )
    refusal = channel_for(conversation.channel).refusal(conversation=conversation, contact=contact)
    return Conflict(refusal, code="channel_refused") if refusal else None


def message_send_automatic(
    *,
    conversation: Conversation,
    body: str,
    now=None,
    service: bool = False,
    activity: bool = True,
    event: str = "",
) -> Message | None:
    """A message the platform sends by itself (out-of-hours reply, SMS HELP
    answer): sent only where a staff reply would be allowed, silently skipped
    otherwise. Call inside the transaction that caused it.

    ``service``: a legally required service message (the answer to an SMS HELP,
    which carriers require; a new privacy-policy version): it goes out even when
    processing is restricted or objected to; an opt-out still stops it.
    ``activity=False``: it does not count as the conversation's activity (see _append_outbound).
    ``event``: what it is (Message.Event), for the thread's system line.
    """
    contact = Contact.objects.for_tenant(conversation.tenant_id).get(pk=conversation.contact_id)
    if send_refusal(conversation, contact, restriction=not service):
        return None
    now = now or timezone.now()
    return _send(
        conversation,
        body=body,
        sender=None,
        now=now,
        service=service,
        activity=activity,
        event=event,
    )


def _send(
    conversation: Conversation,
    *,
    body: str,
    sender: Membership | None,
    now,
    service: bool = False,
    activity: bool = True,
    event: str = "",
    attachments: list | None = None,
) -> Message:
    message = Message(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        contact_id=conversation.contact_id,
        direction=Message.Direction.OUTBOUND,
        sender_kind=Message.SenderKind.MEMBER if sender else Message.SenderKind.SYSTEM,
        sender=sender,
        body=body,
        attachments=attachments or None,
        status=Message.Status.QUEUED,
        service=service,
        event=event,
        created_at=now,
        status_changed_at=now,
    )
    _append_outbound(conversation, message, activity=activity)
    channel = channel_for(conversation.channel)
    transaction.on_commit(lambda: channel.dispatch(message_id=message.pk))
    return message


@transaction.atomic
def message_reply(
    *, actor: Membership, conversation: Conversation, body: str, attachments: list | None = None
) -> Message:
    """A staff reply: queued now, handed to the conversation's channel after commit.
    ``attachments``: media the provider sends with it (an MMS, attachments.replies)."""
    body = body.strip()
    if not body and not attachments:
        raise Invalid("A reply cannot be empty.", fields={"body": ["This field may not be blank."]})
    if len(body) > MAX_BODY_LENGTH:
        raise Invalid(
            f"A reply is at most {MAX_BODY_LENGTH} characters.",
            fields={"body": [f"Ensure this field has no more than {MAX_BODY_LENGTH} characters."]},
        )
    require_same_tenant(actor, conversation)
    conversation = (
        Conversation.objects.for_tenant(actor.tenant_id).select_for_update().get(pk=conversation.pk)
    )
    contact = Contact.objects.for_tenant(actor.tenant_id).get(pk=conversation.contact_id)
    refusal = send_refusal(conversation, contact)
    if refusal:
        raise refusal
    channel_for(conversation.channel).check_body(body=body)
    _assign_on_reply(actor, conversation)
    first = not (
        Message.objects.for_tenant(actor.tenant_id)
        .filter(conversation=conversation, sender_kind=Message.SenderKind.MEMBER)
        .exists()
    )
    message = _send(
        conversation, body=body, sender=actor, now=timezone.now(), attachments=attachments
    )
    _track_reply(conversation, message, first=first)
    report_facts.cycle_respond(
        conversation=conversation, responder_id=actor.pk, at=message.created_at
    )
    record(
        "message.sent",
        tenant=conversation.tenant_id,
        actor=Actor.member(actor),
        target=("message", message.pk),
        metadata={"conversation_id": conversation.pk, "channel": conversation.channel},
    )
    return message


def _assign_on_reply(actor: Membership, conversation: Conversation) -> None:
    """Whoever replies to an unassigned conversation takes it, unless the tenant
    turned this off (tenants.Tenant.assign_on_reply); audited like any assignment."""
    from conversations.services.inbox import conversation_assign
    from tenants.selectors import tenant_assigns_on_reply

    if conversation.assignee_id is None and tenant_assigns_on_reply(conversation.tenant_id):
        conversation_assign(actor=actor, conversation=conversation, assignee=actor)


def _track_reply(conversation: Conversation, message: Message, *, first: bool) -> None:
    about = {"tenant_id": conversation.tenant_id, "contact_id": conversation.contact_id}
    track(
        analytics.MESSAGE_SENT,
        **about,
        **analytics.message_properties(channel=conversation.channel, body=message.body),
    )
    if first:
        waited = (message.created_at - conversation.created_at).total_seconds()
        track(
            analytics.FIRST_RESPONSE,
            **about,
            channel=conversation.channel,
            response_time=analytics.response_time_bucket(waited),
        )


_FORWARD = {
    Message.Status.QUEUED: 0,
    Message.Status.SENT: 1,
    Message.Status.UNDELIVERED: 2,
    Message.Status.FAILED: 2,
    Message.Status.DELIVERED: 3,
}


@transaction.atomic
def message_status_update(
    *, message_id, status: str, failure_code: str = "", failure_reason: str = ""
) -> bool:
    """Moves an outbound message forward (queued → sent → delivered/failed).

    Callbacks arrive out of order; a status never moves backwards. Returns
    whether anything changed.
    """
    message = (
        Message.objects.dangerously_unscoped(
            reason="by id of a message its caller found inside its tenant (task or callback)"
        )
        .select_for_update()
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.direction != Message.Direction.OUTBOUND:
        return False
    if _FORWARD.get(status, -1) <= _FORWARD.get(message.status, -1):
        return False
    message.status = status
    message.failure_code = failure_code[:32]
    message.failure_reason = failure_reason[:200]
    message.status_changed_at = timezone.now()
    message.save(update_fields=["status", "failure_code", "failure_reason", "status_changed_at"])
    feed_publish(
        tenant_id=message.tenant_id,
        kind=FeedEvent.Kind.MESSAGE_STATUS,
        conversation_id=message.conversation_id,
        message_id=message.pk,
        status=status,
    )
    return True


RETRYABLE = (Message.Status.FAILED, Message.Status.UNDELIVERED)


@transaction.atomic
def message_retry(*, actor: Membership, message: Message) -> Message:
    """Sends a failed outbound message again: the same message, queued anew and
    handed to its channel after commit. Consent and the channel are checked
    again, as for a new reply; the earlier attempts stay on record."""
    require_same_tenant(actor, message)
    message = (
        Message.objects.for_tenant(actor.tenant_id)
        .select_for_update()
        .select_related("conversation")
        .get(pk=message.pk)
    )
    if message.direction != Message.Direction.OUTBOUND or message.status not in RETRYABLE:
        raise Conflict("Only a failed outbound message can be sent again.", code="not_failed")
    conversation = message.conversation
    refusal = send_refusal(
        conversation, Contact.objects.for_tenant(actor.tenant_id).get(pk=message.contact_id)
    )
    if refusal:
        raise refusal
    channel = channel_for(conversation.channel)
    previous = message.status
    # A status only moves forward (message_status_update); a retry is the one
    # place it starts over, so it is set here, with the provider's old id cleared
    # so the send task does not take it for already sent.
    message.status = Message.Status.QUEUED
    message.provider_message_id = ""
    message.failure_code = message.failure_reason = ""
    message.status_changed_at = timezone.now()
    message.save(
        update_fields=[
            "status",
            "provider_message_id",
            "failure_code",
            "failure_reason",
            "status_changed_at",
        ]
    )
    record(
        "message.retried",
        tenant=message.tenant_id,
        actor=Actor.member(actor),
        target=("message", message.pk),
        metadata={
            "conversation_id": conversation.pk,
            "channel": conversation.channel,
            "previous_status": previous,
        },
    )
    feed_publish(
        tenant_id=message.tenant_id,
        kind=FeedEvent.Kind.MESSAGE_STATUS,
        conversation_id=conversation.pk,
        message_id=message.pk,
        status=message.status,
    )
    transaction.on_commit(lambda: channel.dispatch(message_id=message.pk))
    return message
