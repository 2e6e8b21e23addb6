"""Sending a queued reply through its number's provider, at most once.

The task takes the message id. Before the provider is called, a SendAttempt row
in state CALLING is committed under the message's row lock; the answer is
recorded in a second short transaction. The provider call itself holds no lock
and no transaction, so a slow provider does not hold a database connection.

Twilio's Messages API honours no idempotency key (Vonage's ``client-ref`` is a
label, not one), so a provider cannot tell us whether a call whose answer we
lost went through. We choose at most once: a run that finds a CALLING attempt
younger than ``SMS_CALL_STALE_SECONDS`` does nothing (that run is still
waiting on the provider); one older than that means a run died mid-call (a
worker killed, a redelivery): the message is not sent again but marked failed
with a reason the agent reads ("may or may not have reached the contact"), and
the agent decides whether to send it again. Sending twice is the worse fault
for a shop's customer (and each text is billed); a lost answer is rare and
shown.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_sms.models import SendAttempt
from channels_sms.provider_health import provider_answered, provider_failed
from channels_sms.providers import credentials_of, provider_for
from channels_sms.providers.base import SendError
from channels_sms.selectors import phone_number_of_conversation
from channels_sms.webhooks.addresses import webhook_urls
from conversations.models import Contact, Message
from conversations.services.messages import message_status_update
from privacy.crypto import is_erased
from privacy.minors import rules as minor_rules

UNKNOWN_REASON = (
    "The sending stopped while the provider was being called; the text may or may not "
    "have reached the contact. It was not sent again, so it is not sent twice."
)


@dataclass(frozen=True)
class Outcome:
    sent: bool = False
    retry_in: int | None = None  # seconds until the next try, for a transient failure


def backoff_seconds(attempts_made: int) -> int:
    """Exponential, capped, with jitter so retries of a burst spread out."""
    base = settings.SMS_SEND_BACKOFF_SECONDS * 2 ** max(attempts_made - 1, 0)
    capped = min(base, settings.SMS_SEND_BACKOFF_MAX_SECONDS)
    return max(1, round(capped * random.uniform(0.8, 1.2)))  # noqa: S311 - not a secret


def message_send(*, message_id) -> Outcome:
    claimed = _claim(message_id)
    if claimed is None:
        return Outcome()  # sent already, failed, gone, or another run is calling
    message, attempt = claimed
    conversation = message.conversation
    number = phone_number_of_conversation(conversation)
    try:
        provider_id = _hand_over(message, conversation, number)
    except SendError as error:
        return _failed(message, attempt, error)
    with transaction.atomic():
        _lock(message.pk)
        attempt.outcome = SendAttempt.Outcome.SENT
        attempt.provider_message_id = provider_id[:64]
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["outcome", "provider_message_id", "finished_at"])
        message.provider_message_id = provider_id[:64]
        message.save(update_fields=["provider_message_id"])
        message_status_update(message_id=message.pk, status=Message.Status.SENT)
    return Outcome(sent=True)


def _lock(message_id) -> Message | None:
    return (
        Message.objects.dangerously_unscoped(reason="task by id of a reply we queued")
        .select_for_update(of=("self",))
        .select_related("conversation")
        .filter(pk=message_id, direction=Message.Direction.OUTBOUND)
        .first()
    )


def _claim(message_id) -> tuple[Message, SendAttempt] | None:
    """Commits a CALLING attempt for a message still to send; None when there is
    nothing to do. The row lock orders concurrent runs of the same message."""
    now = timezone.now()
    with transaction.atomic():
        message = _lock(message_id)
        if (
            message is None
            or message.provider_message_id
            or message.status != Message.Status.QUEUED
        ):
            return None
        # Index: sms_attempt_tenant_message.
        calling = (
            SendAttempt.objects.for_tenant(message.tenant_id)
            .filter(message=message, outcome=SendAttempt.Outcome.CALLING)
            .order_by("-number")
            .first()
        )
        if calling is not None:
            if calling.started_at > now - timedelta(seconds=settings.SMS_CALL_STALE_SECONDS):
                return None  # a live run is waiting on the provider
            _outcome_unknown(message, calling, now)
            return None
        attempt = SendAttempt.objects.create(
            tenant_id=message.tenant_id,
            message=message,
            phone_number=phone_number_of_conversation(message.conversation),
            number=_attempts_made(message)[0] + 1,
            outcome=SendAttempt.Outcome.CALLING,
            started_at=now,
        )
    return message, attempt


def _outcome_unknown(message: Message, calling: SendAttempt, now) -> None:
    """At most once: a run died between claiming and recording the answer."""
    calling.outcome, calling.finished_at = SendAttempt.Outcome.UNKNOWN, now
    calling.error_code = "outcome_unknown"
    calling.error_reason = UNKNOWN_REASON[:200]
    calling.save(update_fields=["outcome", "finished_at", "error_code", "error_reason"])
    message_status_update(
        message_id=message.pk,
        status=Message.Status.FAILED,
        failure_code="outcome_unknown",
        failure_reason=UNKNOWN_REASON,
    )


def _hand_over(message: Message, conversation, number) -> str:
    if number is None or not number.active or not number.account.active:
        raise SendError(
            transient=False, code="number_inactive", reason="The shop's SMS number is deactivated."
        )
    contact = Contact.objects.for_tenant(message.tenant_id).get(pk=message.contact_id)
    # Consent can change between the reply and its sending: look again.
    if contact.has_opted_out("sms"):
        raise SendError(
            transient=False,
            code="opted_out",
            reason="The contact opted out of SMS before the message left; nothing was sent.",
        )
    # So can the contact's age (marked under 15, or a minor held for parental
    # authorisation): no message leaves, service messages included.
    age = minor_rules.send_refusal(contact)
    if age:
        raise SendError(transient=False, code=age.code[:32], reason=age.message[:200])
    # So can a restriction or an objection; only a legally required service
    # message (the HELP answer) still leaves.
    if contact.processing_refused and not message.service:
        raise SendError(
            transient=False,
            code="processing_restricted",
            reason="Processing of this contact's data was restricted before the message left; "
            "nothing was sent.",
        )
    if not contact.phone or is_erased(contact.phone):
        raise SendError(transient=False, code="no_phone", reason="The contact has no phone number.")
    credentials = credentials_of(number.account)
    if credentials is None:
        raise SendError(
            transient=False,
            code="no_credentials",
            reason="The platform account of this number is not configured.",
        )
    try:
        provider_id = provider_for(number.provider).send(
            credentials=credentials,
            number=number,
            to=contact.phone,
            body=message.body or "",
            media=message.attachments or [],
            status_callback=webhook_urls(number.provider)["status"],
            reference=str(message.pk),
        )
    except SendError as error:
        # Unavailable, or there and refusing (this text): /readyz's sms_providers.
        (provider_failed if error.transient else provider_answered)(number.provider)
        raise
    provider_answered(number.provider)
    return provider_id


def _attempts_made(message: Message) -> tuple[int, int]:
    """(attempts ever, attempts since the message was last queued): a message
    sent again after failing gets a fresh allowance of retries."""
    # Index: sms_attempt_tenant_message.
    attempts = SendAttempt.objects.for_tenant(message.tenant_id).filter(message=message)
    started = list(attempts.values_list("started_at", flat=True))
    return len(started), sum(1 for at in started if at >= message.status_changed_at)


def _failed(message: Message, attempt: SendAttempt, error: SendError) -> Outcome:
    with transaction.atomic():
        _lock(message.pk)
        made = _attempts_made(message)[1]  # this round's attempts, this one included
        gives_up = not error.transient or made >= settings.SMS_SEND_MAX_ATTEMPTS
        attempt.outcome = (
            SendAttempt.Outcome.PERMANENT if gives_up else SendAttempt.Outcome.TRANSIENT
        )
        attempt.error_code, attempt.error_reason = error.code[:32], error.reason[:200]
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["outcome", "error_code", "error_reason", "finished_at"])
        if not gives_up:
            return Outcome(retry_in=backoff_seconds(made))
        reason = error.reason
        if error.transient:
            reason = f"Gave up after {made} attempts. {reason}"
        message_status_update(
            message_id=message.pk,
            status=Message.Status.FAILED,
            failure_code=error.code,
            failure_reason=reason,
        )
    return Outcome()
