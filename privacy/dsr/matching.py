"""Who a request is about: the subject's identifiers matched against the
tenant's contacts, through the blind indexes only (nothing is decrypted to
match), and what the DPO may see of them: counts, never content.

A contact id given by the tenant names the subject outright: it is how the
tenant settles identifiers that match several people.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext_noop

from conversations.models import Contact, ContactIdentifier, Conversation, Message, Note
from privacy.fields import open_or_mark

# Reasons the tenant reads (stored in English, shown translated: web pages
# pass them through gettext, so keep them word for word).
NO_MATCH = gettext_noop(
    "The identifiers match nobody in this workspace: check them or give the contact id."
)
SEVERAL = gettext_noop(
    "The identifiers match several people in this workspace: give the contact id."
)


@dataclass(frozen=True)
class Match:
    contact: Contact | None
    # "one", "none" or "several": the code audit events carry.
    outcome: str
    candidates: int = 0
    reason: str = field(default="")


def match_subject(*, tenant, phone_index=None, email_index=None, contact=None) -> Match:
    """The one living contact the identifiers designate, or why there is none."""
    if contact is not None:
        return Match(contact=contact, outcome="one", candidates=1)
    wanted = Q(pk__in=[])
    if phone_index:
        wanted |= Q(kind=ContactIdentifier.Kind.PHONE, blind_index=phone_index)
    if email_index:
        wanted |= Q(kind=ContactIdentifier.Kind.EMAIL, blind_index=email_index)
    # Uses identifier_unique_per_tenant (tenant, kind, blind_index).
    contact_ids = set(
        ContactIdentifier.objects.for_tenant(tenant)
        .filter(wanted, contact__erased_at__isnull=True)
        .values_list("contact_id", flat=True)
    )
    if not contact_ids:
        return Match(contact=None, outcome="none", reason=NO_MATCH)
    if len(contact_ids) > 1:
        return Match(contact=None, outcome="several", candidates=len(contact_ids), reason=SEVERAL)
    found = Contact.objects.for_tenant(tenant).get(pk=contact_ids.pop())
    return Match(contact=found, outcome="one", candidates=1)


def subject_counts(contact: Contact) -> dict:
    """How much the platform holds about the subject: what the DPO sees.

    Counting attachments opens the messages' attachment lists (encrypted
    metadata); only the lengths leave this function.
    """
    tenant = contact.tenant_id
    messages = Message.objects.for_tenant(tenant).filter(contact=contact)
    attachments = 0
    with_files = messages.exclude(attachments=None).only(
        "pk", "tenant_id", "contact_id", "attachments"
    )
    for message in with_files.iterator(chunk_size=500):
        open_or_mark(message, "attachments")
        attachments += _attachment_count(message.attachments)
    return {
        "contacts": 1,
        "conversations": Conversation.objects.for_tenant(tenant).filter(contact=contact).count(),
        "messages": messages.count(),
        "notes": Note.objects.for_tenant(tenant).filter(contact=contact).count(),
        "attachments": attachments,
    }


def _attachment_count(value) -> int:
    return len(value) if isinstance(value, list | tuple) else 0
