"""Processing stored webhooks one by one: texts into the inbox, statuses onto messages.

The delivery row is locked and its state checked first, so a delivery claimed
twice is processed once. Ordinary texts land in batches
(channels_sms/services/inbound_batch.py); what is here handles the rest, and
one delivery by id (the task of the publish mode). Once processed, the raw
parameters are cleared: the text lives on in the inbox, encrypted under the
contact's own key (erasable), not under the tenant's.
"""

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from attachments.mms import media_fetch_enqueue
from channels_sms.keywords import Keyword, help_text, keyword_of, keyword_word
from channels_sms.models import ConcatenatedParts, DeliveryKind, WebhookDelivery
from channels_sms.providers import provider_for
from conversations.models import Message
from conversations.services.contacts import contact_get_or_create
from conversations.services.messages import (
    conversation_for_inbound,
    message_receive,
    message_send_automatic,
    message_status_update,
)
from instaply.errors import DomainError, Invalid
from privacy.blind_index import blind_index, normalise_phone
from privacy.consent.services import consent_sms_keyword

CHANNEL = "sms"
# A status callback may overtake the commit of the send that it reports on.
STATUS_WAIT = dt.timedelta(minutes=5)


class NotYet(Exception):
    """The delivery cannot be processed yet; the task tries again later."""


class Unrouted(Exception):
    pass


def delivery_process(*, delivery_id) -> None:
    """Processes one delivery (the task of the publish mode): a batch of one.

    A status callback whose message is not stored yet raises NotYet, with nothing
    written, so the task tries again later."""
    from channels_sms.services.inbound_batch import deliveries_process

    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.dangerously_unscoped(reason="task by id of a webhook we stored")
            .select_for_update(of=("self",))
            .select_related("phone_number__account", "phone_number__shop")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
            return
        deliveries_process([delivery], raise_not_yet=True)


def delivery_process_alone(delivery: WebhookDelivery, *, raise_not_yet: bool) -> None:
    """One delivery the batch cannot take with ordinary texts (a status, a
    keyword, a part of a long text, an inactive number, bad input), in a
    savepoint: its state, note and message are set on ``delivery``, not saved.
    NotYet is raised when ``raise_not_yet``, else the delivery stays pending."""
    try:
        with transaction.atomic():
            if delivery.kind == DeliveryKind.MESSAGE:
                delivery.message_id, delivery.note = _receive(delivery)
            else:
                delivery.message_id, delivery.note = _apply_status(delivery)
    except Unrouted as reason:
        delivery.state, delivery.note = WebhookDelivery.State.UNROUTED, str(reason)
    except DomainError as error:
        # Bad input (a sender that is not a number...): retrying cannot help.
        delivery.state, delivery.note = WebhookDelivery.State.FAILED, error.message[:200]
    except NotYet as reason:
        if timezone.now() - delivery.received_at >= STATUS_WAIT:
            delivery.state, delivery.note = WebhookDelivery.State.FAILED, str(reason)
        elif raise_not_yet:
            raise  # the task tries again later; nothing was written
        else:
            delivery.note = str(reason)[:200]  # pending: the dispatcher tries again later
    else:
        delivery_processed(delivery)


def delivery_processed(delivery: WebhookDelivery) -> None:
    delivery.state = WebhookDelivery.State.PROCESSED
    delivery.payload = None  # the text lives on in the inbox, under the contact's key
    delivery.processed_at = timezone.now()


def _receive(delivery: WebhookDelivery) -> tuple[object, str]:
    number = delivery.phone_number
    if number is None or not number.active:
        raise Unrouted("The number is not active; kept for replay.")
    sms = provider_for(delivery.provider).inbound(delivery.payload)
    body, provider_message_id = sms.body, sms.provider_message_id
    if sms.concatenation is not None:
        assembled = _collect_part(delivery, sms)
        if assembled is None:
            part = sms.concatenation
            return None, f"Part {part.part} of {part.total} kept until the others arrive."
        body, provider_message_id = assembled
    contact, _ = contact_get_or_create(tenant_id=delivery.tenant_id, kind="phone", value=sms.sender)
    keyword = keyword_of(body)
    if keyword in (Keyword.STOP, Keyword.START):
        # Before the message lands, so a STOP never triggers the auto-reply. The
        # opt-out state and the consent ledger change together; a retried or
        # replayed webhook is processed once (delivery_process), so once here.
        consent_sms_keyword(contact=contact, stop=keyword is Keyword.STOP, word=keyword_word(body))
    conversation = conversation_for_inbound(
        shop=number.shop, contact=contact, channel=CHANNEL, endpoint_id=number.pk
    )
    message = message_receive(
        conversation=conversation,
        body=body,
        attachments=sms.media or None,
        provider_message_id=provider_message_id,
        # Message.Event has the keywords' own values: the thread shows a system line.
        event=keyword.value if keyword else "",
    )
    if sms.media:
        media_fetch_enqueue([message])  # fetched by a worker, never in the webhook
    if keyword is Keyword.HELP:
        _answer_help(conversation, number.shop)
    return message.pk, keyword.value if keyword else ""


def _collect_part(delivery: WebhookDelivery, sms) -> tuple[str, str] | None:
    """Keeps one part of a long text; with the last one, returns (text, id of part 1)."""
    part = sms.concatenation
    if not 1 <= part.part <= part.total <= 255 or not part.reference:
        raise Invalid("The concatenation fields of this part are not valid.")
    sender = blind_index(delivery.tenant_id, "phone", normalise_phone(sms.sender))
    group, _ = ConcatenatedParts.objects.for_tenant(delivery.tenant_id).get_or_create(
        tenant_id=delivery.tenant_id,
        phone_number=delivery.phone_number,
        sender_index=sender,
        reference=part.reference,
        total=part.total,
        defaults={"parts": {}},
    )
    # Serialises the parts of one text: each sees the others' committed parts.
    group = (
        ConcatenatedParts.objects.for_tenant(group.tenant_id).select_for_update().get(pk=group.pk)
    )
    parts = dict(group.parts)
    parts[str(part.part)] = {"text": sms.body, "message_id": sms.provider_message_id}
    if len(parts) < part.total:
        group.parts = parts
        group.save(update_fields=["parts"])
        return None
    group.delete()
    ordered = [parts[str(number)] for number in range(1, part.total + 1)]
    return "".join(p["text"] for p in ordered), ordered[0]["message_id"]


def _answer_help(conversation, shop) -> None:
    # Carriers require the HELP answer: a service message, sent even when the
    # contact's processing is restricted (the subject asked for it).
    message_send_automatic(
        conversation=conversation,
        body=help_text(shop),
        service=True,
        event=Message.Event.HELP_ANSWER,
    )


def _apply_status(delivery: WebhookDelivery) -> tuple[object, str]:
    report = provider_for(delivery.provider).status(delivery.payload)
    messages = Message.objects.for_tenant(delivery.tenant_id).filter(
        direction=Message.Direction.OUTBOUND
    )
    message = None
    if report.message_ref:
        try:
            message = messages.filter(pk=uuid.UUID(report.message_ref)).first()
        except ValueError:
            message = None  # a client-ref we did not write
    if message is None and report.provider_message_id:
        # Index: message_provider_id_once (tenant, provider_message_id).
        message = messages.filter(provider_message_id=report.provider_message_id).first()
    if message is None:
        raise NotYet("No message of ours has this provider id.")
    if report.status:
        message_status_update(
            message_id=message.pk,
            status=report.status,
            failure_code=report.error_code,
            failure_reason=report.reason,
        )
    return message.pk, report.status
