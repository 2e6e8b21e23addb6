"""Processing stored webhooks in batches: one transaction, ordinary texts together.

The caller (the dispatcher, or the task of one delivery) has locked the pending
deliveries of one tenant, in the order they were stored, inside its
transaction. Ordinary texts (a message to an active number, no keyword, not a
part of a long text) land together: their contacts looked up in one query
through the blind index, their data keys loaded in one, their conversations
found and locked in one, the messages and their feed entries inserted in one
statement each. Anything else (statuses, STOP/START/HELP, parts of long texts,
inactive numbers, bad input) ends the run of texts before it and is processed
alone (channels_sms/services/inbound.py), so everything happens in the order
it was stored, as if each delivery had been processed on its own.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from attachments.mms import media_fetch_enqueue
from channels_sms.keywords import keyword_of
from channels_sms.models import DeliveryKind, WebhookDelivery
from channels_sms.providers import provider_for
from channels_sms.services.inbound import (
    CHANNEL,
    delivery_process_alone,
    delivery_processed,
)
from conversations.services.contacts import contacts_get_or_create_many
from conversations.services.messages import (
    Inbound,
    auto_reply_due,
    conversation_auto_reply,
    conversations_for_inbound_many,
    messages_receive_many,
)
from instaply.db.rows_update import rows_update
from instaply.errors import DomainError
from privacy import keyring
from privacy.blind_index import normalise_phone

# What processing writes on a delivery (its payload is cleared apart, once processed).
FIELDS = ["attempts", "state", "note", "message_id", "processed_at"]


@dataclass
class _Text:
    delivery: WebhookDelivery
    sms: object  # the provider's parsed inbound message
    sender: str  # normalised


def deliveries_process(deliveries: list[WebhookDelivery], *, raise_not_yet: bool = False) -> None:
    """Processes these locked, pending deliveries of one tenant in this order,
    inside the caller's transaction, and saves their states.

    ``raise_not_yet``: a status callback that overtook its message raises NotYet
    (one delivery's task retries it); otherwise it stays pending, for later."""
    if not deliveries:
        return
    texts: list[_Text] = []
    with_media = []  # the texts' messages that came with media, of the whole batch
    for delivery in deliveries:
        delivery.attempts += 1
        text = _ordinary_text(delivery)
        if text is not None:
            texts.append(text)
            continue
        with_media += _land(texts)
        texts = []
        delivery_process_alone(delivery, raise_not_yet=raise_not_yet)
    with_media += _land(texts)
    # Their MediaFetch rows in one INSERT, committed with the messages; fetched
    # by a worker, never in the webhook.
    media_fetch_enqueue(with_media)
    _save(deliveries)


def _ordinary_text(delivery: WebhookDelivery) -> _Text | None:
    """The delivery as an ordinary text, or None when it must be processed alone."""
    number = delivery.phone_number
    if delivery.kind != DeliveryKind.MESSAGE or number is None or not number.active:
        return None
    try:
        sms = provider_for(delivery.provider).inbound(delivery.payload)
        sender = normalise_phone(sms.sender)
    except DomainError:
        return None  # processed alone, it fails with its reason
    if sms.concatenation is not None or keyword_of(sms.body) is not None:
        return None
    return _Text(delivery, sms, sender)


def _land(texts: list[_Text]) -> list:
    """Lands these ordinary texts; returns their messages that came with media."""
    if not texts:
        return []
    tenant_id = texts[0].delivery.tenant_id
    contacts = contacts_get_or_create_many(
        tenant_id=tenant_id, kind="phone", values=list(dict.fromkeys(t.sender for t in texts))
    )
    # Their bodies are encrypted under each contact's data key: loaded in one query.
    keyring.warm(tenant_id, [contact.pk for contact in contacts.values()])
    conversations = {}  # (number id, contact id) -> the open conversation, locked
    senders_by_number = {}  # number -> {contact id: contact} who texted it
    for text in texts:
        contact = contacts[text.sender]
        senders_by_number.setdefault(text.delivery.phone_number, {})[contact.pk] = contact
    for number, senders in senders_by_number.items():
        found = conversations_for_inbound_many(
            shop=number.shop,
            contacts=list(senders.values()),
            channel=CHANNEL,
            endpoint_id=number.pk,
        )
        conversations |= {(number.pk, contact_id): c for contact_id, c in found.items()}
    run: list[tuple[_Text, Inbound]] = []
    with_media = []
    for text in texts:
        conversation = conversations[(text.delivery.phone_number_id, contacts[text.sender].pk)]
        now = timezone.now()
        inbound = Inbound(
            conversation=conversation,
            body=text.sms.body,
            now=now,
            attachments=text.sms.media or None,
            provider_message_id=text.sms.provider_message_id,
        )
        run.append((text, inbound))
        if auto_reply_due(conversation, now):
            # The out-of-hours reply follows the message that triggered it.
            with_media += _receive(run)
            run = []
            conversation_auto_reply(conversation, now)
    return with_media + _receive(run)


def _receive(run: list[tuple]) -> list:
    """Lands this run of texts; returns their messages that came with media."""
    messages = messages_receive_many([inbound for _, inbound in run])
    for (text, _), message in zip(run, messages, strict=True):
        text.delivery.message_id, text.delivery.note = message.pk, ""
        delivery_processed(text.delivery)
    return [message for (text, _), message in zip(run, messages, strict=True) if text.sms.media]


def _save(deliveries: list[WebhookDelivery]) -> None:
    together = connection.vendor == "postgresql" and len(deliveries) > 1
    processed = [d for d in deliveries if d.state == WebhookDelivery.State.PROCESSED]
    # By identity: "in" a list of rows compares them by primary key in Python,
    # row by row (a batch's quadratic cost, 8 % of a dispatcher's time in a profile).
    done = {id(d) for d in processed}
    for delivery in deliveries:
        if id(delivery) in done and together:
            continue
        delivery.save(update_fields=FIELDS + (["payload"] if id(delivery) in done else []))
    if together and processed:
        _save_processed(processed)


def _save_processed(deliveries: list[WebhookDelivery]) -> None:
    """Processed deliveries of one tenant in one UPDATE, their payloads cleared."""
    rows_update(
        WebhookDelivery,
        tenant_id=deliveries[0].tenant_id,
        columns=[
            ("attempts", "integer"),
            ("note", "text"),
            ("message_id", "uuid"),
            ("processed_at", "timestamptz"),
        ],
        rows=[(d.pk, d.attempts, d.note, d.message_id, d.processed_at) for d in deliveries],
        assign=(
            f"attempts = v.attempts, state = '{WebhookDelivery.State.PROCESSED}', "
            "note = v.note, message_id = v.message_id, processed_at = v.processed_at, "
            "payload = NULL"
        ),
    )


def deliveries_process_each(deliveries: list[WebhookDelivery], *, unavailable: tuple) -> None:
    """The batch once more, each delivery in a savepoint of its own, after the
    batch as a whole raised: a delivery that raises again is marked failed, so
    one poisoned row cannot hold up its lane. ``unavailable``: errors of a
    service rather than of the row, raised for the whole batch to wait."""
    for delivery in deliveries:
        attempts = delivery.attempts
        try:
            with transaction.atomic():
                deliveries_process([delivery])
        except unavailable:
            raise
        except DomainError as error:
            _failed(delivery, attempts, error.message)
        except Exception as error:  # noqa: BLE001 (logged by the caller; the class name only)
            _failed(delivery, attempts, f"Processing raised {type(error).__name__}.")


def _failed(delivery: WebhookDelivery, attempts: int, note: str) -> None:
    delivery.attempts = attempts + 1
    delivery.state, delivery.note = WebhookDelivery.State.FAILED, note[:200]
    delivery.save(update_fields=FIELDS)
