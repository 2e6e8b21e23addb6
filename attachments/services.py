"""Attachments: storing a file of a message, its thumbnail, its expiring link,
its deletion. Every file is sniffed first (attachments.sniffing), then stored
encrypted under the contact's key (attachments.blobs)."""

from django.core import signing
from django.db import transaction
from django.urls import reverse

from attachments import blobs
from attachments.models import Attachment, MediaFetch
from attachments.sniffing import sniff
from audit.recorder import Actor, record
from instaply.errors import Invalid, NotFound
from instaply.ids import uuid7
from instaply.publish import publish_after_commit

LINK_SALT = "attachments.link"
NAME_LENGTH = 200


def clean_name(name: str) -> str:
    # A file name is the sender's text: kept (encrypted) for the download, never a path.
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:NAME_LENGTH] or "file"


def attachment_store(
    *, message, data: bytes, name: str, source: str, position: int = 0, origin=None
) -> Attachment:
    """Stores one file of ``message`` (sniffed, size-checked, encrypted). Raises
    Invalid when the rules refuse it; nothing is written then."""
    sniffed = sniff(data)
    attachment = _of_message(
        message,
        position=position,
        source=source,
        origin=origin,
        id=uuid7(),
        state=Attachment.State.STORED,
        content_type=sniffed.content_type,
        size=sniffed.size,
        name=clean_name(name),
    )
    attachment.blob = blobs.blob_write(attachment, blobs.FILE, data)
    try:
        with transaction.atomic():
            attachment.save(force_insert=True)
    except Exception:
        blobs.blobs_delete([attachment.blob])  # no row, no blob
        raise
    if attachment.is_image:
        from attachments.tasks import make_thumbnail

        publish_after_commit(make_thumbnail, attachment.pk)
    return attachment


def attachment_reject(*, message, position: int, source: str, note: str, origin=None) -> Attachment:
    """A file the rules refused or that could not be fetched: the thread says so."""
    attachment = _of_message(
        message,
        position=position,
        source=source,
        origin=origin,
        state=Attachment.State.REJECTED,
        note=note[:200],
    )
    attachment.save(force_insert=True)
    return attachment


def _of_message(message, *, position: int, source: str, origin, **fields) -> Attachment:
    """An unsaved attachment at ``position`` of ``message``, under its tenant,
    conversation and contact (whose key encrypts it)."""
    return Attachment(
        tenant_id=message.tenant_id,
        conversation_id=message.conversation_id,
        contact_id=message.contact_id,
        message_id=message.pk,
        position=position,
        source=source,
        origin=origin,
        **fields,
    )


def thumbnail_make(*, attachment_id) -> None:
    """The thumbnail of a stored image, re-encoded by Pillow, encrypted as the
    file is. Does nothing when it exists already or the file is gone."""
    from attachments.thumbnails import thumbnail_of

    attachment = (
        Attachment.objects.dangerously_unscoped(reason="task by id of an attachment we stored")
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None or attachment.thumbnail or not attachment.is_image:
        return
    data = blobs.blob_read(attachment, blobs.FILE)
    if data is None:
        return
    attachment.thumbnail = blobs.blob_write(attachment, blobs.THUMBNAIL, thumbnail_of(data))
    attachment.save(update_fields=["thumbnail"])
    files_changed(attachment)


def files_changed(attachment: Attachment) -> None:
    """Tells open inboxes the message's files changed (ids only): its thread
    refreshes and shows them (a thumbnail made, an MMS's media fetched)."""
    from conversations.models import FeedEvent
    from conversations.services.feed import feed_publish

    feed_publish(
        tenant_id=attachment.tenant_id,
        kind=FeedEvent.Kind.CONVERSATION_UPDATED,
        conversation_id=attachment.conversation_id,
        message_id=str(attachment.message_id),
        files_changed=1,
    )


def attachments_delete_for_messages(tenant_id, message_ids: list) -> int:
    """Deletes the attachments of these messages (rows now, blobs once the
    transaction commits) and their MMS fetch rows (attachments.mms). Called by
    erasure and retention before the messages go; returns the number of
    attachment rows deleted."""
    # Index: mms_fetch_message_once (tenant, message). Done or not: the message goes.
    MediaFetch.objects.for_tenant(tenant_id).filter(message_id__in=message_ids).delete()
    # Index: attachment_tenant_message. Messages without files (nearly all) cost
    # this statement and the one above.
    rows = Attachment.objects.for_tenant(tenant_id).filter(message_id__in=message_ids)
    found = list(rows.values_list("pk", "blob", "thumbnail"))
    if not found:
        return 0
    names = [name for _, blob, thumbnail in found for name in (blob, thumbnail) if name]
    deleted, _ = rows.filter(pk__in=[pk for pk, _, _ in found]).delete()
    transaction.on_commit(lambda: blobs.blobs_delete(names))
    return deleted


def attachments_delete_for_contact(*, tenant_id, contact_id) -> int:
    """Every attachment of a contact (erasure: those on any conversation)."""
    ids = list(
        Attachment.objects.for_tenant(tenant_id)
        .filter(contact_id=contact_id)
        .values_list("message_id", flat=True)
        .distinct()
    )
    return attachments_delete_for_messages(tenant_id, ids)


# Links that expire ---------------------------------------------------------------


def link_token(attachment: Attachment) -> str:
    """A signed token naming the attachment; it expires after
    ATTACHMENT_LINK_SECONDS (checked where it is opened, link_open)."""
    return signing.dumps([str(attachment.tenant_id), str(attachment.pk)], salt=LINK_SALT)


def link_url(attachment: Attachment) -> str:
    from django.conf import settings

    path = reverse("attachments:link", kwargs={"token": link_token(attachment)})
    return settings.PUBLIC_BASE_URL + path


def link_open(*, token: str, request) -> Attachment:
    """The attachment a link names, while the link is valid; the opening is
    recorded (anonymous: the customer has no login). NotFound otherwise."""
    from django.conf import settings

    try:
        tenant_id, attachment_id = signing.loads(
            token, salt=LINK_SALT, max_age=settings.ATTACHMENT_LINK_SECONDS
        )
    except (signing.BadSignature, ValueError):
        raise NotFound("This link is not valid or has expired.") from None
    attachment = (
        Attachment.objects.for_tenant(tenant_id)
        .filter(pk=attachment_id, state=Attachment.State.STORED)
        .first()
    )
    if attachment is None:
        raise NotFound("This link is not valid or has expired.")
    record(
        "attachment.link_opened",
        request=request,
        tenant=attachment.tenant_id,
        actor=Actor.anonymous(),
        target=("attachment", attachment.pk),
        metadata={"conversation_id": attachment.conversation_id},
    )
    return attachment


def attachment_read_record(*, request, attachment: Attachment, kind: str) -> None:
    """A member's read of a file or a thumbnail: audited as a message read is."""
    record(
        "personal_data.read",
        request=request,
        target=("attachment", attachment.pk),
        metadata={"fields": [f"attachment_{kind}"], "count": 1},
    )


def require_stored(attachment: Attachment) -> None:
    if attachment.state != Attachment.State.STORED:
        raise Invalid("This file was not stored.", code="file_not_stored")
