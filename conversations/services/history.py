"""Which conversation a contact's new message lands in: the one in progress, a
recently closed one reopened, or a new one that follows the last.

As Chatwoot and Front do it: a text within the tenant's reopen window (days
since the contact's last conversation on this channel endpoint was closed)
reopens that conversation, keeping its assignee and labels, with a system line
in the thread; after the window (or with a window of 0) a new conversation opens
that links the previous one. Every inbound path comes through here: SMS in
batches (conversations_for_inbound_many) and one by one, the widget.

Two texts racing cannot end in two conversations: reopening is a conditional
UPDATE (status still closed), so the second waits for the first's row lock and
then finds nothing to reopen; opening is an INSERT that the constraint
conv_one_open_per_endpoint makes wait and fail. Either way the loser takes the
winner's conversation.
"""

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from analytics import events as analytics
from analytics.tracking import track
from audit.recorder import Actor, record
from conversations.models import Contact, Conversation, FeedEvent, Reopening
from conversations.services.feed import feed_publish
from reports import services as report_facts
from tenants.models import Shop
from tenants.selectors import tenant_reopen_window

ATTEMPTS = 3  # a conversation reopened and closed again while we looked: look again


def _endpoint(tenant_id, channel, endpoint_id):
    return Conversation.objects.for_tenant(tenant_id).filter(
        channel=channel, endpoint_id=endpoint_id
    )


def conversation_for_inbound(
    *, shop: Shop, contact: Contact, channel: str, endpoint_id, now=None
) -> Conversation:
    """The contact's current conversation on this channel endpoint; else the
    last one reopened (closed within the window) or a new one following it."""
    now = now or timezone.now()
    # Index: conv_one_open_per_endpoint (tenant, contact, channel, endpoint) for the open one.
    current = _endpoint(shop.tenant_id, channel, endpoint_id).filter(contact=contact)
    current = current.exclude(status=Conversation.Status.CLOSED)
    conversation = current.first()
    if conversation is not None:
        return conversation
    # Index: conv_tenant_contact_history (tenant, contact, id DESC).
    latest = _endpoint(shop.tenant_id, channel, endpoint_id).filter(contact=contact)
    latest = latest.order_by("-id").first()
    return _resume(
        shop=shop,
        contact=contact,
        channel=channel,
        endpoint_id=endpoint_id,
        latest=latest,
        window=tenant_reopen_window(shop.tenant_id),
        now=now,
    )


def conversations_for_inbound_many(
    *, shop: Shop, contacts: list[Contact], channel: str, endpoint_id, now=None
) -> dict:
    """``conversation_for_inbound`` for several contacts of one shop's endpoint,
    by contact id: found and locked (select_for_update, with shop and contact)
    in one query. For the few without one in progress: their last conversations
    in one query, the window in one, then each reopened or opened, then locked."""
    now = now or timezone.now()
    endpoint = _endpoint(shop.tenant_id, channel, endpoint_id)

    def locked(contact_ids):
        # Index: conv_one_open_per_endpoint (tenant, contact, channel, endpoint) for the open ones.
        return {
            conversation.contact_id: conversation
            for conversation in endpoint.filter(contact_id__in=contact_ids)
            .exclude(status=Conversation.Status.CLOSED)
            .select_related("shop", "contact")
            .select_for_update(of=("self",))
            .order_by("pk")
        }

    found = locked([contact.pk for contact in contacts])
    missing = [contact for contact in contacts if contact.pk not in found]
    if not missing:
        return found
    latest = _latest_of(endpoint, [contact.pk for contact in missing])
    window = tenant_reopen_window(shop.tenant_id)
    for contact in missing:
        _resume(
            shop=shop,
            contact=contact,
            channel=channel,
            endpoint_id=endpoint_id,
            latest=latest.get(contact.pk),
            window=window,
            now=now,
        )
    return found | locked([contact.pk for contact in missing])


def _latest_of(endpoint, contact_ids) -> dict:
    """Each contact's newest conversation on the endpoint, in one query."""
    # Index: conv_tenant_contact_history (tenant, contact, id DESC).
    rows = endpoint.filter(contact_id__in=contact_ids)
    if connection.vendor == "postgresql":
        return {c.contact_id: c for c in rows.order_by("contact_id", "-id").distinct("contact_id")}
    latest = {}
    for conversation in rows.order_by("-id"):
        latest.setdefault(conversation.contact_id, conversation)
    return latest


def reopens(conversation: Conversation | None, *, window: dt.timedelta, now) -> bool:
    """Whether a new message now reopens this (closed) conversation."""
    if conversation is None or conversation.status != Conversation.Status.CLOSED or not window:
        return False
    # Closed before closed_at was recorded: its last activity is the best guess.
    closed = conversation.closed_at or conversation.last_activity_at
    return now - closed < window


def _resume(*, shop, contact, channel, endpoint_id, latest, window, now) -> Conversation:
    current = _endpoint(shop.tenant_id, channel, endpoint_id).filter(contact=contact)
    current = current.exclude(status=Conversation.Status.CLOSED)
    for _ in range(ATTEMPTS):
        try:
            with transaction.atomic():
                if reopens(latest, window=window, now=now):
                    if _reopen(latest, now):
                        return latest
                else:
                    return _open(shop, contact, channel, endpoint_id, previous=latest)
        except IntegrityError:
            pass  # conv_one_open_per_endpoint: another worker's conversation is in progress
        conversation = current.first()
        if conversation is not None:
            return conversation
        # Reopened by another worker and closed again since: the newest decides.
        latest = _endpoint(shop.tenant_id, channel, endpoint_id).filter(contact=contact)
        latest = latest.order_by("-id").first()
    raise RuntimeError("The contact's conversation kept changing; try again.")


def _reopen(conversation: Conversation, now) -> bool:
    """Reopens it if it is still closed (the row lock serialises racers); its
    assignee and labels stay. Returns whether this call reopened it."""
    reopened = (
        Conversation.objects.for_tenant(conversation.tenant_id)
        .filter(pk=conversation.pk, status=Conversation.Status.CLOSED)
        .update(status=Conversation.Status.OPEN, snoozed_until=None)
    )
    if not reopened:
        return False
    conversation.status, conversation.snoozed_until = Conversation.Status.OPEN, None
    Reopening.objects.create(
        tenant_id=conversation.tenant_id, conversation=conversation, created_at=now
    )
    report_facts.cycle_open(conversation=conversation, at=now, reopened=True)
    record(
        "conversation.reopened_by_message",
        tenant=conversation.tenant_id,
        actor=Actor.system("inbound"),
        target=("conversation", conversation.pk),
        metadata={"channel": conversation.channel},
    )
    feed_publish(
        tenant_id=conversation.tenant_id,
        kind=FeedEvent.Kind.CONVERSATION_UPDATED,
        conversation_id=conversation.pk,
        status=conversation.status,
        assignee_id=conversation.assignee_id,
    )
    return True


def _open(shop, contact, channel, endpoint_id, *, previous) -> Conversation:
    conversation = Conversation.objects.create(
        tenant_id=shop.tenant_id,
        shop=shop,
        contact=contact,
        channel=channel,
        endpoint_id=endpoint_id,
        previous=previous,
    )
    report_facts.cycle_open(conversation=conversation, at=conversation.created_at)
    track(
        analytics.CONVERSATION_OPENED,
        tenant_id=shop.tenant_id,
        contact_id=contact.pk,
        channel=channel,
    )
    return conversation
