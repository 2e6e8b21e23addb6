"""Reads of attachments, always inside the caller's tenant."""

from attachments.models import Attachment
from tenants.scoping import tenant_get


def attachment_get(*, tenant, id) -> Attachment:
    """The tenant's attachment by id; another tenant's is the same 404 as none."""
    return tenant_get(Attachment, tenant=tenant, id=id, what="file")


def attachments_of_conversation(*, tenant, conversation_id) -> dict:
    """{message id: [attachments, in order]} of one conversation (a thread's
    files: few, one query). Index: attachment_tenant_conv."""
    found: dict = {}
    rows = (
        Attachment.objects.for_tenant(tenant)
        .filter(conversation_id=conversation_id)
        .defer("origin")
        .order_by("message_id", "position")
    )
    for attachment in rows:
        found.setdefault(attachment.message_id, []).append(attachment)
    return found
