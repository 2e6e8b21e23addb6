"""Rectification (GDPR art. 16): the executor of RECTIFICATION requests, called
by privacy.dsr.work. The corrected values are applied by the contacts service
(conversations.services.contacts.contact_rectify, the one owner of contact
writes), which re-computes the blind indexes; the audit trail says which fields
changed, never the values."""

from collections.abc import Callable

from audit.recorder import Actor, record
from conversations.models import Contact
from conversations.services.contacts import RECTIFIABLE, contact_rectify
from instaply.errors import Conflict, Invalid
from privacy.crypto import is_erased
from privacy.dsr.models import DataSubjectRequest

ACTOR = Actor.system("dsr_rectification")

Progress = Callable[[int], None]


def rectify(request: DataSubjectRequest, contact: Contact | None, progress: Progress) -> dict:
    if contact is None:
        raise Conflict("The request names no contact to correct.", code="no_contact")
    if contact.erased_at is not None:
        raise Conflict("The contact was erased.", code="erased")
    corrections = request.corrections
    if is_erased(corrections):
        raise Conflict("The request's corrections were erased.", code="erased")
    if not isinstance(corrections, dict) or not any(
        corrections.get(field) is not None for field in RECTIFIABLE
    ):
        raise Invalid(
            "The request holds no corrected value (name, email or phone).",
            fields={"corrections": ["Give at least one corrected value."]},
        )
    changed = contact_rectify(
        contact=contact,
        corrections={k: v for k, v in corrections.items() if k in RECTIFIABLE},
        actor=ACTOR,
    )
    record(
        "privacy.request_rectified",
        tenant=request.tenant_id,
        actor=ACTOR,
        target=("dsr", request.pk),
        metadata={"contact_id": contact.pk, "fields": changed},
    )
    progress(100)
    return {"fields_rectified": len(changed)}
