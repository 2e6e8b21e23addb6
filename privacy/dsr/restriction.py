"""Restriction of processing (GDPR art. 18) and objection (art. 21), and their
withdrawals: the executors of those requests, called by privacy.dsr.work.

What a flagged contact gets (docs/privacy.md):

- **Messages**: no outbound message, whatever sends it (staff replies, retries,
  the out-of-hours reply), refused at the reply (409 ``processing_restricted``)
  and again by the send task. The one exception is the legally required
  service message: the answer to an SMS HELP (carriers require it, and the
  subject asked for it). STOP/START confirmations are sent by the SMS providers
  themselves; the platform records the opt-out of a restricted contact as of
  anyone else's.
- **Exports**: only to the controller. The tenant's own access package is the
  controller's; the audit export holds no personal data; the platform has no
  other export.
- **Analytics**: none about the contact (``analytics_allowed``); the analytics
  module must ask it before sending any event that concerns a contact.
- **The inbox** shows a "Restricted" badge on the conversation and its rows.

An objection names a purpose (e.g. ``marketing``, ``analytics``); a blank one
is an objection to all processing (stored as ``all``), enforced like a
restriction. A feature that processes for a purpose asks
``contact.objects_to(purpose)``.
"""

import re
from collections.abc import Callable

from audit.recorder import Actor, record
from conversations.models import Contact
from conversations.services.contacts import contact_set_processing
from instaply.errors import Conflict, Invalid
from privacy.dsr.models import DataSubjectRequest

ACTOR = Actor.system("dsr_restriction")
ALL = "all"
_PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

Progress = Callable[[int], None]


def _purpose_of(request: DataSubjectRequest) -> str:
    purpose = (request.purpose or "").strip().lower()
    if not purpose:
        return ALL
    if not _PURPOSE.match(purpose):
        raise Invalid(
            "A purpose is a short code in lowercase letters, digits and _, e.g. marketing.",
            fields={"purpose": ["Not a purpose code."]},
        )
    return purpose


def _apply(request, contact, progress: Progress, action: str, **change) -> dict:
    if contact is None:
        raise Conflict("The request names no contact.", code="no_contact")
    if contact.erased_at is not None:
        raise Conflict("The contact was erased.", code="erased")
    changed = contact_set_processing(contact=contact, actor=ACTOR, **change)
    contact.refresh_from_db(fields=["processing_restricted", "objections"])
    record(
        action,
        tenant=request.tenant_id,
        actor=ACTOR,
        target=("dsr", request.pk),
        metadata={
            "contact_id": contact.pk,
            "changed": changed,
            "processing_restricted": contact.processing_restricted,
            "objections": contact.objections,
        },
    )
    progress(100)
    return {
        "processing_restricted": int(contact.processing_restricted),
        "objections": len(contact.objections),
    }


def restrict(request: DataSubjectRequest, contact: Contact | None, progress: Progress) -> dict:
    return _apply(request, contact, progress, "privacy.request_restricted", restricted=True)


def lift_restriction(
    request: DataSubjectRequest, contact: Contact | None, progress: Progress
) -> dict:
    return _apply(
        request, contact, progress, "privacy.request_restriction_lifted", restricted=False
    )


def object_to(request: DataSubjectRequest, contact: Contact | None, progress: Progress) -> dict:
    purpose = _purpose_of(request)
    return _apply(
        request, contact, progress, "privacy.request_objection_applied", object_to=purpose
    )


def withdraw_objection(
    request: DataSubjectRequest, contact: Contact | None, progress: Progress
) -> dict:
    """A blank purpose withdraws every objection; a purpose, that one."""
    purpose = "*" if not (request.purpose or "").strip() else _purpose_of(request)
    return _apply(
        request, contact, progress, "privacy.request_objection_withdrawn", withdraw=purpose
    )


def analytics_allowed(contact: Contact | None) -> bool:
    """Whether an analytics event may concern this contact (anonymous events
    that concern no contact need not ask)."""
    if contact is None:
        return True
    return not (contact.processing_refused or contact.objects_to("analytics"))
