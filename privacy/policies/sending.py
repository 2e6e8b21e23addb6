"""Sending a tenant's service message about a new policy version to its end-users.

Who gets it: every contact of the tenant whose most recent conversation had
activity within the tenant's retention period (``inactive_days``; older
conversations are due for deletion, and a notice is no reason to keep them):
one message per contact, on that conversation, in the contact's language (French
when its locale is French, else English; ``LANGUAGE_CODE`` when unknown).

It goes through ``message_send_automatic(service=True)``: restricted
processing and objections (marketing or any other) do not stop it, an opt-out
of the channel (SMS STOP: the carrier's rule) and every other refusal of
``send_refusal`` do. The message does not count as the conversation's activity:
it neither moves it up the inbox nor restarts its retention clock.

Batches in short transactions, each under the row lock of the tenant's
``PolicyServiceMessage``, whose ``counts`` carry the counts and, while it is
sending, the progress (the last contact id done): messages and progress commit
together, so a task run twice, or again after a crash, never writes to anyone
twice. The counts say how many, never who.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from audit import actions
from audit.recorder import Actor, record
from conversations.models import Contact, Conversation
from conversations.services.messages import message_send_automatic, send_refusal
from privacy.policies.models import PolicyServiceMessage
from privacy.retention.selectors import retention_policy_for

BATCH = 100
SENT = "sent"
NOT_SENT = "not_sent"
PROGRESS = "progress"
ERASED = "erased"
NO_CHANNEL = "no_channel"
DELETED = "conversation_deleted"
# Should a refusal come without its code (it cannot today), it still counts.
REFUSED = "refused"


def _language(contact: Contact) -> str:
    locale = (contact.locale or settings.LANGUAGE_CODE).lower()
    return "fr" if locale.startswith("fr") else "en"


def _candidates(tenant, *, since: dt.datetime, after):
    """Contacts by id (keyset), each with its most recent conversation's id."""
    latest = (
        Conversation.objects.for_tenant(tenant)
        .filter(contact=OuterRef("pk"))
        .order_by("-last_activity_at", "-id")
    )  # index conv_tenant_contact
    rows = (
        Contact.objects.for_tenant(tenant)
        .annotate(
            latest_id=Subquery(latest.values("id")[:1]),
            latest_at=Subquery(latest.values("last_activity_at")[:1]),
        )
        .filter(latest_at__gte=since)
        .order_by("id")
    )
    if after:
        rows = rows.filter(id__gt=after)
    return rows


def _send_one(contact: Contact, version, *, now) -> str:
    """Sends to one contact; returns "sent" or the reason it was not."""
    if contact.erased_at is not None:
        return ERASED
    conversation = (
        Conversation.objects.for_tenant(contact.tenant_id)
        .select_related("shop")
        .filter(pk=contact.latest_id)
        .first()
    )
    if conversation is None:  # deleted since (retention, erasure)
        return DELETED
    body = getattr(version, f"service_message_{_language(contact)}")
    try:
        sent = message_send_automatic(
            conversation=conversation,
            body=body,
            now=now,
            service=True,
            activity=False,
            event="policy_notice",  # Message.Event.POLICY_NOTICE: a system line in the thread
        )
        if sent is not None:
            return SENT
        refusal = send_refusal(conversation, contact, restriction=False)
    except LookupError:  # a channel no longer installed
        return NO_CHANNEL
    return refusal.code if refusal is not None else REFUSED


def _locked(message_id) -> PolicyServiceMessage | None:
    return (
        PolicyServiceMessage.objects.dangerously_unscoped(
            reason="task by id of a service message we queued"
        )
        .select_for_update()
        .select_related("tenant", "version")
        .filter(pk=message_id)
        .first()
    )


def _batch(message_id, *, batch: int) -> bool:
    """One batch in one transaction; True when there is more to do."""
    with transaction.atomic():
        message = _locked(message_id)
        if message is None or message.state == PolicyServiceMessage.State.DONE:
            return False
        now = timezone.now()
        counts = {SENT: 0, NOT_SENT: {}, **(message.counts or {})}
        progress = counts.get(PROGRESS) or {}
        if not progress:
            days = retention_policy_for(message.tenant).inactive_days
            progress = {"since": (now - dt.timedelta(days=days)).isoformat(), "after": ""}
        contacts = list(
            _candidates(
                message.tenant,
                since=dt.datetime.fromisoformat(progress["since"]),
                after=progress["after"],
            )[:batch]
        )
        for contact in contacts:
            outcome = _send_one(contact, message.version, now=now)
            if outcome == SENT:
                counts[SENT] += 1
            else:
                counts[NOT_SENT][outcome] = counts[NOT_SENT].get(outcome, 0) + 1
        more = len(contacts) == batch
        fields = ["state", "counts"]
        if more:
            progress["after"] = str(contacts[-1].pk)
            counts[PROGRESS] = progress
            message.state = PolicyServiceMessage.State.SENDING
        else:
            counts.pop(PROGRESS, None)
            message.state = PolicyServiceMessage.State.DONE
            message.finished_at = now
            fields.append("finished_at")
            _audit(message, counts)
        message.counts = counts
        message.save(update_fields=fields)
    return more


def _audit(message: PolicyServiceMessage, counts: dict) -> None:
    record(
        actions.POLICY_MESSAGES_SENT,
        tenant=message.tenant_id,
        actor=Actor.system("policy_messages"),
        target=("policy_service_message", message.pk),
        metadata={
            "version": message.version.version,
            "version_id": str(message.version_id),
            "sent": counts[SENT],
            "not_sent": sum(counts[NOT_SENT].values()),
            "reasons": [f"{code}:{n}" for code, n in sorted(counts[NOT_SENT].items())],
        },
    )


def service_messages_send(*, message_id, batch: int = BATCH) -> None:
    """Sends the tenant's service message to everyone due, batch after batch."""
    while _batch(message_id, batch=batch):
        pass
