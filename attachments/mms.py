"""MMS: the media of an inbound text fetched from the provider, and the rule
for sending a member's file as an MMS.

The webhook stores the provider's parameters and answers; the media is fetched
here, by a worker, after the message landed (channels_sms enqueues
``fetch_mms_media`` by message id). Each item is fetched with the number's
account credentials, sniffed and stored encrypted; an item the rules refuse is
kept as a refused row the thread shows. Running twice stores each item once.

The message lands with a MediaFetch row, in its transaction, marked done once
every item is stored or refused: the sweeper publishes again a fetch whose row
waits (instaply/sweeper.py), as the message's media list is encrypted.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from attachments.models import Attachment, MediaFetch
from attachments.services import attachment_reject, attachment_store, files_changed
from instaply.errors import Invalid

# Provider kinds whose numbers can send an MMS (Twilio's protocol), and the
# country code where they can: Twilio sends MMS from US and Canadian numbers to
# US and Canadian phones; elsewhere a member's file leaves as a link.
MMS_PROVIDERS = ("twilio", "simulator")
MMS_COUNTRY_PREFIX = "+1"
MMS_TYPES = ("image/jpeg", "image/png", "image/gif")


# The task's retries while the provider cannot serve an item (attachments/tasks.py):
# the run after FETCH_RETRIES of them refuses what is still missing.
FETCH_RETRIES = 5
FETCH_BACKOFF_SECONDS = 30  # doubled at each retry
# The longest a fetch waits for its next retry: a fetch tried more recently may
# have one scheduled, so the sweeper leaves it alone until then.
FETCH_BACKOFF_MAX_SECONDS = FETCH_BACKOFF_SECONDS * 2 ** (FETCH_RETRIES - 1)


class MediaNotYet(Exception):
    """The provider could not serve an item now; the task tries again later."""


def fetch_backoff_seconds(retries: int) -> int:
    return FETCH_BACKOFF_SECONDS * 2**retries


def media_fetch_for_message(*, message_id, final: bool = False) -> None:
    from channels_sms.providers import credentials_of, provider_for
    from channels_sms.providers.base import MediaRefused, MediaUnavailable
    from channels_sms.selectors import phone_number_of_conversation
    from conversations.models import Message

    message = (
        Message.objects.dangerously_unscoped(reason="task by id of an MMS we received")
        .select_related("conversation")
        .filter(pk=message_id, direction=Message.Direction.INBOUND)
        .first()
    )
    if message is None:
        return  # erased or deleted by retention, its MediaFetch row with it
    fetch = MediaFetch.objects.for_tenant(message.tenant_id).filter(
        message_id=message.pk, done_at__isnull=True
    )
    fetch.update(tries=F("tries") + 1, tried_at=timezone.now())
    if not message.attachments:
        fetch.update(done_at=timezone.now())
        return
    done = set(
        Attachment.objects.for_tenant(message.tenant_id)
        .filter(message_id=message.pk)
        .values_list("position", flat=True)
    )
    number = phone_number_of_conversation(message.conversation)
    credentials = credentials_of(number.account) if number else None
    waiting = False
    for position, item in enumerate(message.attachments):
        if position in done:
            continue
        origin = {"url": item.get("url", ""), "declared_type": item.get("content_type", "")}
        note = ""
        try:
            if credentials is None:
                raise MediaRefused("The number's provider account is not configured.")
            data = provider_for(number.provider).media_fetch(
                credentials=credentials, url=origin["url"], limit=settings.ATTACHMENT_MAX_BYTES
            )
        except MediaUnavailable:
            if not final:
                waiting = True
                continue
            note = "The provider did not serve this file."
        except MediaRefused as refused:
            note = "The file is too large." if str(refused) == "too_large" else str(refused)
        kept = _keep(message, position, origin, data=None if note else data, note=note)
        if kept is not None and not kept.is_image:
            files_changed(kept)  # an image's thread refreshes once its thumbnail is made
    if waiting:
        raise MediaNotYet("The provider could not serve some media yet.")
    # Every item is stored or refused (by this run or an earlier one): done.
    fetch.update(done_at=timezone.now())


def _keep(message, position: int, origin: dict, *, data: bytes | None, note: str):
    source = Attachment.Source.SMS
    try:
        with transaction.atomic():
            if data is None:
                return attachment_reject(
                    message=message, position=position, source=source, note=note, origin=origin
                )
            try:
                return attachment_store(
                    message=message,
                    data=data,
                    name=f"mms-{position + 1}",
                    source=source,
                    position=position,
                    origin=origin,
                )
            except Invalid as error:
                return attachment_reject(
                    message=message,
                    position=position,
                    source=source,
                    note=error.message,
                    origin=origin,
                )
    except IntegrityError:
        return None  # another run stored this item first


def mms_possible(*, conversation, contact, content_type: str, size: int) -> bool:
    """Whether a member's file can leave as an MMS: an image within the MMS size
    limit, from a Twilio (or simulator) number of the US or Canada, to a US or
    Canadian phone. Otherwise it leaves as a link that expires."""
    if conversation.channel != "sms" or content_type not in MMS_TYPES:
        return False
    if size > settings.ATTACHMENT_MMS_MAX_BYTES:
        return False
    from channels_sms.selectors import phone_number_of_conversation
    from privacy.crypto import is_erased

    number = phone_number_of_conversation(conversation)
    if number is None or number.provider not in MMS_PROVIDERS:
        return False
    phone = contact.phone
    return (
        number.number.startswith(MMS_COUNTRY_PREFIX)
        and bool(phone)
        and not is_erased(phone)
        and phone.startswith(MMS_COUNTRY_PREFIX)
    )


def media_fetch_enqueue(messages: list) -> None:
    """The fetch of these inbound messages of one tenant, which came with media
    (called where inbound SMS land, in their transaction): their MediaFetch rows
    in one INSERT, then each fetch published after commit."""
    from attachments.tasks import fetch_mms_media
    from instaply.publish import publish_after_commit

    if not messages:
        return
    tenant_id = messages[0].tenant_id
    MediaFetch.objects.for_tenant(tenant_id).bulk_create(
        [MediaFetch(tenant_id=tenant_id, message_id=message.pk) for message in messages]
    )
    for message in messages:
        publish_after_commit(fetch_mms_media, message.pk)


def media_fetches_waiting(*, now, before):
    """Message ids whose fetch is not done, stored before ``before``, not tried
    within the longest backoff (a retry may be scheduled), stored in the last day
    (as for thumbnails, the day bounds the retries of a fetch that keeps failing:
    the thread then shows the text without its files). Every tenant's: the
    sweeper's read. Index: mms_fetch_waiting."""
    retry_since = now - dt.timedelta(seconds=FETCH_BACKOFF_MAX_SECONDS * 1.2)
    return (
        MediaFetch.objects.dangerously_unscoped(reason="sweeper: media fetches not done")
        .filter(done_at__isnull=True, created_at__lt=before)
        .filter(created_at__gte=now - dt.timedelta(days=1))
        .filter(Q(tried_at__isnull=True) | Q(tried_at__lt=retry_since))
        .order_by("created_at")
        .values_list("message_id", flat=True)
    )
