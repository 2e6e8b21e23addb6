"""Sending a queued reply through its number's provider, once.

The task takes the message id. The message row stays locked while the provider
is called, so a task delivered twice (or retried while the first run still
waits on the provider) sends once: the second finds the provider id set, or the
status moved on, and does nothing. Every try is a SendAttempt row.
"""

import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_sms.models import SendAttempt
from channels_sms.providers import credentials_of, provider_for
from channels_sms.providers.base import SendError
from channels_sms.selectors import phone_number_of_conversation
from channels_sms.webhooks.addresses import webhook_urls
from conversations.models import Contact, Message
from conversations.services.messages import message_status_update
from privacy.crypto import is_erased
from privacy.minors import rules as minor_rules


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
    with transaction.atomic():
        message = (
            Message.objects.dangerously_unscoped(reason="task by id of a reply we queued")
            .select_for_update(of=("self",))
            .select_related("conversation")
            .filter(pk=message_id, direction=Message.Direction.OUTBOUND)
            .first()
        )
        if (
            message is None
            or message.provider_message_id
            or message.status != Message.Status.QUEUED
        ):
            return Outcome()  # sent already, failed, or gone
        conversation = message.conversation
        number = phone_number_of_conversation(conversation)
        started = timezone.now()
        try:
            provider_id = _hand_over(message, conversation, number)
        except SendError as error:
            return _failed(message, number, error, started)
        SendAttempt.objects.create(
            tenant_id=message.tenant_id,
            message=message,
            phone_number=number,
            number=_attempts_made(message)[0] + 1,
            outcome=SendAttempt.Outcome.SENT,
            provider_message_id=provider_id[:64],
            started_at=started,
            finished_at=timezone.now(),
        )
        message.provider_message_id = provider_id[:64]
        message.save(update_fields=["provider_message_id"])
        message_status_update(message_id=message.pk, status=Message.Status.SENT)
        return Outcome(sent=True)


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
    return provider_for(number.provider).send(
        credentials=credentials,
        number=number,
        to=contact.phone,
        body=message.body or "",
        media=message.attachments or [],
        status_callback=webhook_urls(number.provider)["status"],
        reference=str(message.pk),
    )


def _attempts_made(message: Message) -> tuple[int, int]:
    """(attempts ever, attempts since the message was last queued): a message
    sent again after failing gets a fresh allowance of retries."""
    # Index: sms_attempt_tenant_message.
    attempts = SendAttempt.objects.for_tenant(message.tenant_id).filter(message=message)
    started = list(attempts.values_list("started_at", flat=True))
    return len(started), sum(1 for at in started if at >= message.status_changed_at)


def _failed(message: Message, number, error: SendError, started) -> Outcome:
    ever, this_round = _attempts_made(message)
    made = this_round + 1
    gives_up = not error.transient or made >= settings.SMS_SEND_MAX_ATTEMPTS
    SendAttempt.objects.create(
        tenant_id=message.tenant_id,
        message=message,
        phone_number=number,
        number=ever + 1,
        outcome=SendAttempt.Outcome.TRANSIENT if not gives_up else SendAttempt.Outcome.PERMANENT,
        error_code=error.code[:32],
        error_reason=error.reason[:200],
        started_at=started,
        finished_at=timezone.now(),
    )
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
