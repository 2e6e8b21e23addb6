"""Pages' way to files: a member reads a file or its thumbnail (audited), a
member replies with a file, a customer opens a link that expires."""

from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from attachments import blobs, selectors, services
from attachments.models import Attachment
from attachments.replies import attachment_reply
from attachments.responses import file_response
from attachments.thumbnails import THUMBNAIL_TYPE
from conversations import selectors as conversation_selectors
from instaply.errors import DomainError, Invalid, NotFound
from tenants.permissions import Capability
from web.labels import domain_error_message
from web.tenancy import member_required

READ, WRITE = Capability.CONVERSATIONS_READ, Capability.CONVERSATIONS_WRITE


def _stored(request, attachment_id) -> Attachment:
    try:
        attachment = selectors.attachment_get(tenant=request.tenant, id=attachment_id)
    except NotFound:
        raise Http404 from None
    if attachment.state != Attachment.State.STORED:
        raise Http404
    return attachment


@require_GET
@member_required(READ)
def attachment_file(request, attachment_id):
    attachment = _stored(request, attachment_id)
    data = blobs.blob_read(attachment, blobs.FILE)
    if data is None:
        raise Http404
    services.attachment_read_record(request=request, attachment=attachment, kind="file")
    return file_response(
        data,
        content_type=attachment.content_type,
        name=attachment.name,
        inline=request.GET.get("download") != "1",
    )


@require_GET
@member_required(READ)
def attachment_thumbnail(request, attachment_id):
    attachment = _stored(request, attachment_id)
    data = blobs.blob_read(attachment, blobs.THUMBNAIL)
    if data is None:
        raise Http404  # not made yet (the task runs after the file is stored)
    services.attachment_read_record(request=request, attachment=attachment, kind="thumbnail")
    return file_response(data, content_type=THUMBNAIL_TYPE, name="thumbnail.jpg", inline=True)


@require_GET
def attachment_link(request, token):
    """A customer's link: no login, valid until it expires, each opening recorded."""
    try:
        attachment = services.link_open(token=token, request=request)
    except NotFound:
        raise Http404 from None
    data = blobs.blob_read(attachment, blobs.FILE)
    if data is None:
        raise Http404
    return file_response(
        data, content_type=attachment.content_type, name=attachment.name, inline=True
    )


@require_POST
@member_required(WRITE)
def reply_with_file(request, conversation_id):
    conversation = conversation_selectors.conversation_get(
        tenant=request.tenant, id=conversation_id
    )
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise Invalid(_("Choose a file to send."), fields={"file": [_("Required.")]})
        data = upload.read(upload.size + 1 if upload.size is not None else None)
        attachment_reply(
            actor=request.membership,
            conversation=conversation,
            data=data,
            name=upload.name,
            body=request.POST.get("body", ""),
        )
    except DomainError as error:
        flash.error(request, domain_error_message(error))
    else:
        flash.success(request, _("File sent."))
    return redirect(reverse("web:conversation", args=[conversation.id]))
