"""A member's reply with a file: an MMS where the number and the phone allow it
(attachments.mms.mms_possible), otherwise a link that expires in the text."""

from django.db import transaction
from django.utils.translation import gettext as _

from attachments import blobs
from attachments.mms import mms_possible
from attachments.models import Attachment
from attachments.services import clean_name, link_url
from attachments.sniffing import sniff
from conversations.models import Contact
from conversations.services.messages import message_reply
from instaply.ids import uuid7


@transaction.atomic
def attachment_reply(*, actor, conversation, data: bytes, name: str, body: str = ""):
    """Sends ``data`` to the conversation's contact with ``body``; returns the message.

    The file is stored (sniffed, encrypted) under an id made first, so its link
    is known before the message is written; both commit together."""
    sniffed = sniff(data)
    contact = Contact.objects.for_tenant(conversation.tenant_id).get(pk=conversation.contact_id)
    attachment = Attachment(
        id=uuid7(),
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.pk,
        contact_id=contact.pk,
        source=Attachment.Source.MEMBER,
        state=Attachment.State.STORED,
        content_type=sniffed.content_type,
        size=sniffed.size,
        name=clean_name(name),
    )
    link = link_url(attachment)
    body = (body or "").strip()
    as_mms = mms_possible(
        conversation=conversation,
        contact=contact,
        content_type=sniffed.content_type,
        size=sniffed.size,
    )
    if as_mms:
        # The provider fetches the file from the link (public, signed, expiring).
        media = [{"url": link, "content_type": sniffed.content_type}]
    else:
        media = None
        body = f"{body}\n{_('File')}: {link}" if body else f"{_('File')}: {link}"
    message = message_reply(actor=actor, conversation=conversation, body=body, attachments=media)
    attachment.message_id = message.pk
    attachment.blob = blobs.blob_write(attachment, blobs.FILE, data)
    try:
        attachment.save(force_insert=True)
    except Exception:
        blobs.blobs_delete([attachment.blob])
        raise
    if attachment.is_image:
        from attachments.tasks import make_thumbnail
        from instaply.publish import publish_after_commit

        publish_after_commit(make_thumbnail, attachment.pk)
    return message
