"""What a retention run would delete in one tenant, as querysets (reads only).

Each rule is an indexed range on a time column, so the cost of finding what is
due follows what is due, not the size of the tables:

| kind | due when (at or before its cutoff) | index |
|---|---|---|
| conversations | last activity | conv_tenant_activity |
| conversations, closed | last activity (closed_days) | conv_tenant_status |
| webhook deliveries | processed or failed, received | sms_delivery_tenant_state |
| concatenated parts | created | sms_concat_tenant_created |
| send attempts | finished | sms_attempt_tenant_finished |
| visitor sessions | last seen | visitor_tenant_seen |

A contact under an active legal hold keeps all of it: its conversations, their
messages, its send attempts, webhook deliveries, visitor sessions and the waiting
parts of a long text from its number. The holds are read by subquery in every
statement, so a hold set during a run is obeyed from the next batch on.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from channels_sms.models import ConcatenatedParts, SendAttempt, WebhookDelivery
from conversations.models import (
    Contact,
    ContactIdentifier,
    Conversation,
    FeedEvent,
    Message,
    Note,
    WidgetVisitor,
)
from privacy.dsr.models import LegalHold
from privacy.retention.models import RetentionPolicy

# Kinds of rows a run deletes, as its counts name them (in this order).
KINDS = (
    "conversations",
    "messages",
    "contacts",
    "webhook_deliveries",
    "concatenated_parts",
    "send_attempts",
    "visitor_sessions",
)
# Conversations that were due but kept because their contact is under a legal hold.
HELD = "held"

# Stored webhooks that are done with: processed (the payload already moved into
# the inbox and cleared), or failed and not replayed within the retention days
# (their payload, still encrypted under the tenant's key, names a person). Pending
# ones are work in progress and unrouted ones wait for the tenant's number to be
# reactivated: both are left to the SMS app (manage.py sms_deliveries).
WEBHOOK_STATES = (WebhookDelivery.State.PROCESSED, WebhookDelivery.State.FAILED)


@dataclass(frozen=True)
class Cutoffs:
    """Rows whose time is at or before a cutoff are due: a conversation with no
    activity for exactly ``inactive_days`` days goes, one a second younger stays."""

    inactive: dt.datetime
    closed: dt.datetime | None
    webhooks: dt.datetime
    parts: dt.datetime
    attempts: dt.datetime
    visitors: dt.datetime

    @classmethod
    def of(cls, policy: RetentionPolicy, now: dt.datetime) -> "Cutoffs":
        def days(n: int) -> dt.datetime:
            return now - dt.timedelta(days=n)

        return cls(
            inactive=days(policy.inactive_days),
            closed=days(policy.closed_days) if policy.closed_days is not None else None,
            webhooks=days(settings.RETENTION_WEBHOOK_DAYS),
            parts=days(settings.RETENTION_CONCAT_PARTS_DAYS),
            attempts=days(settings.RETENTION_SEND_ATTEMPT_DAYS),
            visitors=days(settings.RETENTION_VISITOR_SESSION_DAYS),
        )


@dataclass(frozen=True)
class Scope:
    tenant_id: object
    cutoffs: Cutoffs

    # Holds -------------------------------------------------------------------------

    def held_contacts(self) -> QuerySet:
        """Ids of the contacts under an active hold (a subquery, read when used)."""
        return (
            LegalHold.objects.for_tenant(self.tenant_id)
            .filter(released_at__isnull=True)
            .values("contact_id")
        )

    # Conversations -----------------------------------------------------------------

    def conversation_rules(self) -> list[tuple[str, Q, dt.datetime]]:
        """(name, filter, cutoff) of each rule, closed first: a closed conversation
        due under both goes in the first pass, and the second never sees it."""
        rules = []
        if self.cutoffs.closed is not None:
            rules.append(
                (
                    "closed",
                    Q(status=Conversation.Status.CLOSED, last_activity_at__lte=self.cutoffs.closed),
                    self.cutoffs.closed,
                )
            )
        inactive = self.cutoffs.inactive
        rules.append(("inactive", Q(last_activity_at__lte=inactive), inactive))
        return rules

    def _due_filter(self) -> Q:
        due = Q()
        for _, rule, _ in self.conversation_rules():
            due |= rule
        return due

    def due_conversations(self, rule: Q | None = None) -> QuerySet:
        """Conversations due (under one rule, or any), holds excluded."""
        return (
            Conversation.objects.for_tenant(self.tenant_id)
            .filter(self._due_filter() if rule is None else rule)
            .exclude(contact_id__in=self.held_contacts())
        )

    def held_conversations(self) -> QuerySet:
        """Conversations that would be due but for a legal hold on their contact."""
        return (
            Conversation.objects.for_tenant(self.tenant_id)
            .filter(self._due_filter())
            .filter(contact_id__in=self.held_contacts())
        )

    def messages_of(self, conversations: QuerySet) -> QuerySet:
        # Index: message_tenant_thread (tenant, conversation, -id).
        return Message.objects.for_tenant(self.tenant_id).filter(
            conversation_id__in=conversations.values("pk")
        )

    def batch_messages(self, conversation_ids: list, cutoff: dt.datetime) -> QuerySet:
        """Messages of a batch of conversations written by the cutoff, holds excluded."""
        # Index: message_tenant_thread (tenant, conversation, -id).
        return (
            Message.objects.for_tenant(self.tenant_id)
            .filter(conversation_id__in=conversation_ids, created_at__lte=cutoff)
            .exclude(contact_id__in=self.held_contacts())
            .order_by()
        )

    def batch_notes(self, conversation_ids: list, cutoff: dt.datetime) -> QuerySet:
        # Index: note_tenant_thread (tenant, conversation, -id).
        return (
            Note.objects.for_tenant(self.tenant_id)
            .filter(conversation_id__in=conversation_ids, created_at__lte=cutoff)
            .exclude(contact_id__in=self.held_contacts())
            .order_by()
        )

    def batch_feed_events(self, conversation_ids: list) -> QuerySet:
        # Index: feed_event_tenant_conv (tenant, conversation_id).
        return FeedEvent.objects.for_tenant(self.tenant_id).filter(
            conversation_id__in=conversation_ids
        )

    def contacts_left(self) -> QuerySet:
        """Contacts every conversation of which is due: shredded once those go.
        A contact being erased (``erased_at``) is left to its erasure."""
        due = self.due_conversations()
        # Asked per contact of a due conversation (index conv_tenant_contact), never
        # of every conversation the tenant keeps.
        kept = (
            Conversation.objects.for_tenant(self.tenant_id)
            .filter(contact_id=OuterRef("pk"))
            .exclude(self._due_filter())
        )
        return (
            Contact.objects.for_tenant(self.tenant_id)
            .filter(pk__in=due.values("contact_id"), erased_at__isnull=True)
            .exclude(Exists(kept))
        )

    # The platform's own rows about people ------------------------------------------

    def due_webhook_deliveries(self, state: str | None = None) -> QuerySet:
        held_messages = Message.objects.for_tenant(self.tenant_id).filter(
            contact_id__in=self.held_contacts()
        )
        states = WEBHOOK_STATES if state is None else (state,)
        return (
            WebhookDelivery.objects.for_tenant(self.tenant_id)
            .filter(state__in=states, received_at__lte=self.cutoffs.webhooks)
            .exclude(message_id__in=held_messages.values("pk"))
        )

    def webhook_rule(self) -> Q:
        """The age rule alone (rows of deleted messages go with them whatever their age)."""
        return Q(state__in=WEBHOOK_STATES, received_at__lte=self.cutoffs.webhooks)

    def due_concatenated_parts(self) -> QuerySet:
        # Waiting parts are keyed by the sender's blind index, not by a contact.
        held_senders = ContactIdentifier.objects.for_tenant(self.tenant_id).filter(
            kind=ContactIdentifier.Kind.PHONE, contact_id__in=self.held_contacts()
        )
        return (
            ConcatenatedParts.objects.for_tenant(self.tenant_id)
            .filter(created_at__lte=self.cutoffs.parts)
            .exclude(sender_index__in=held_senders.values("blind_index"))
        )

    def due_send_attempts(self) -> QuerySet:
        held_messages = Message.objects.for_tenant(self.tenant_id).filter(
            contact_id__in=self.held_contacts()
        )
        return (
            SendAttempt.objects.for_tenant(self.tenant_id)
            .filter(finished_at__lte=self.cutoffs.attempts)
            .exclude(message_id__in=held_messages.values("pk"))
        )

    def attempt_rule(self) -> Q:
        return Q(finished_at__lte=self.cutoffs.attempts)

    def due_visitor_sessions(self) -> QuerySet:
        return (
            WidgetVisitor.objects.for_tenant(self.tenant_id)
            .filter(last_seen_at__lte=self.cutoffs.visitors)
            .exclude(contact_id__in=self.held_contacts())
        )

    def visitor_rule(self) -> Q:
        return Q(last_seen_at__lte=self.cutoffs.visitors)
