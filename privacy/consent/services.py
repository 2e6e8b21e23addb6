"""Writing to the consent ledger. Every consent or withdrawal, whatever its
channel (widget, SMS keyword, staff, API), goes through ``consent_record``.

A withdrawal goes through ``consent_withdraw``, one path for the widget and for
staff: it ends the consent in force and deletes the messages that were sent
under it (``Message.consent`` names a GIVEN entry of the purpose), recording
what it deleted (ids and counts, never content) in the withdrawal entry's
details and in the audit log. The contact's row lock serialises it with a
visitor writing at the same moment (conversations.widget.consent), so no
message is linked to a consent that has just been withdrawn.
"""

from django.db import transaction
from django.utils import timezone

from analytics.reporting.forget import facts_forget, forgetting_run
from audit import actions
from audit.recorder import Actor, record
from conversations.models import Contact, Message
from conversations.services.contacts import contact_set_opt_out
from conversations.services.removal import messages_remove
from instaply.errors import Conflict, Invalid
from privacy.consent.models import ConsentEntry, Purpose
from privacy.consent.selectors import consent_current
from privacy.policies.selectors import version_in_force
from tenants.models import Membership
from tenants.scoping import require_same_tenant

GIVEN, WITHDRAWN = ConsentEntry.Action.GIVEN, ConsentEntry.Action.WITHDRAWN
# What staff may record on the person's instruction. SMS consent follows the
# keywords the person texts (the carriers' rule); a parental authorisation is
# recorded by privacy.minors.
STAFF_PURPOSES = (Purpose.SPECIAL_CATEGORY_DATA, Purpose.MARKETING)
MAX_TEXT = 2000
MESSAGE_DELETED = "message.deleted"


def _actor(channel: str, recorded_by, actor: Actor | None) -> Actor:
    if actor is not None:
        return actor
    return Actor.member(recorded_by) if recorded_by else Actor.system(channel)


def _locked(contact: Contact) -> Contact:
    return Contact.objects.for_tenant(contact.tenant_id).select_for_update().get(pk=contact.pk)


@transaction.atomic
def consent_record(
    *,
    contact: Contact,
    purpose: str,
    action: str,
    channel: str,
    text: str = "",
    text_version: str = "",
    recorded_by=None,
    details: dict | None = None,
    actor: Actor | None = None,
    request=None,
    now=None,
    audit_metadata: dict | None = None,
) -> ConsentEntry:
    """Appends one entry and audits it (no content in the audit event)."""
    now = now or timezone.now()
    entry = ConsentEntry.objects.create(
        tenant_id=contact.tenant_id,
        contact=contact,
        purpose=purpose,
        action=action,
        channel=channel,
        text=text,
        text_version=text_version,
        policy_version=version_in_force(now),
        recorded_by=recorded_by,
        occurred_at=now,
        details=details or None,
    )
    record(
        actions.CONSENT_GIVEN if action == GIVEN else actions.CONSENT_WITHDRAWN,
        tenant=contact.tenant_id,
        actor=_actor(channel, recorded_by, actor),
        request=request,
        target=("contact", contact.pk),
        metadata={
            "purpose": purpose,
            "channel": channel,
            "entry_id": entry.pk,
            "text_version": text_version,
            **(audit_metadata or {}),
        },
    )
    return entry


@transaction.atomic
def consent_give(
    *,
    contact: Contact,
    purpose: str,
    channel: str,
    text: str,
    text_version: str = "",
    recorded_by=None,
    details: dict | None = None,
    actor: Actor | None = None,
    request=None,
    now=None,
) -> ConsentEntry:
    """Records a consent given, under the contact's row lock (see the module)."""
    contact = _locked(contact)
    return consent_record(
        contact=contact,
        purpose=purpose,
        action=GIVEN,
        channel=channel,
        text=text,
        text_version=text_version,
        recorded_by=recorded_by,
        details=details,
        actor=actor,
        request=request,
        now=now,
    )


def dependent_message_ids(contact: Contact, purpose: str) -> list:
    """The messages sent under any consent of this purpose the contact gave."""
    given = list(
        ConsentEntry.objects.for_tenant(contact.tenant_id)
        .filter(contact=contact, purpose=purpose, action=GIVEN)
        .values_list("pk", flat=True)
    )
    if not given:
        return []
    # Index: message_tenant_consent (tenant, consent), partial on consent set.
    return list(
        Message.objects.for_tenant(contact.tenant_id)
        .filter(consent_id__in=given)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def consent_withdraw(
    *,
    contact: Contact,
    purpose: str,
    channel: str,
    text: str = "",
    text_version: str = "",
    recorded_by=None,
    details: dict | None = None,
    actor: Actor | None = None,
    request=None,
    now=None,
) -> ConsentEntry:
    """Ends the consent in force for ``purpose`` and deletes the messages sent
    under it. Refused (409 ``consent_not_given``) when none is in force."""
    contact = _locked(contact)
    current = consent_current(contact, purpose)
    if current is None or current.action != GIVEN:
        raise Conflict(
            "This consent is not in force (never given, or already withdrawn): "
            "there is nothing to withdraw.",
            code="consent_not_given",
        )
    removed = messages_remove(
        tenant_id=contact.tenant_id, message_ids=dependent_message_ids(contact, purpose)
    )
    deleted = [message_id for ids in removed.values() for message_id in ids]
    # Their facts leave the reporting database with them (audited there, once).
    with forgetting_run(tenant_id=contact.tenant_id, cause="consent_withdrawn"):
        facts_forget(contact.tenant_id, message_ids=deleted)
    entry = consent_record(
        contact=contact,
        purpose=purpose,
        action=WITHDRAWN,
        channel=channel,
        text=text,
        text_version=text_version,
        recorded_by=recorded_by,
        details={
            **(details or {}),
            "withdrawn_entry_id": str(current.pk),
            "deleted_messages": len(deleted),
            "deleted_message_ids": deleted,
            "conversation_ids": list(removed),
        },
        actor=actor,
        request=request,
        now=now,
        audit_metadata={"messages_deleted": len(deleted), "conversation_ids": list(removed)},
    )
    # One event per deleted message, so the audit names every one, however many.
    who = _actor(channel, recorded_by, actor)
    for conversation_id, ids in removed.items():
        for message_id in ids:
            record(
                MESSAGE_DELETED,
                tenant=contact.tenant_id,
                actor=who,
                request=request,
                target=("message", message_id),
                metadata={
                    "reason": "consent_withdrawn",
                    "conversation_id": conversation_id,
                    "consent_entry_id": entry.pk,
                },
            )
    return entry


def consent_record_for_subject(
    *,
    actor: Membership,
    contact: Contact,
    purpose: str,
    action: str,
    text: str = "",
    text_version: str = "",
    request=None,
) -> ConsentEntry:
    """Staff record what the person told them: a consent given (with the text
    they agreed to) or withdrawn. A withdrawal deletes what depended on it."""
    require_same_tenant(actor, contact)
    problems = {}
    if purpose not in STAFF_PURPOSES:
        problems["purpose"] = [f"One of {', '.join(STAFF_PURPOSES)}."]
    if action not in (GIVEN, WITHDRAWN):
        problems["action"] = ["One of given, withdrawn."]
    text, text_version = (text or "").strip(), (text_version or "").strip()
    if action == GIVEN and not text:
        problems["text"] = ["Write the text the person agreed to, as shown or said to them."]
    if len(text) > MAX_TEXT:
        problems["text"] = [f"At most {MAX_TEXT} characters."]
    if len(text_version) > 32:
        problems["text_version"] = ["At most 32 characters."]
    if problems:
        raise Invalid("The consent could not be recorded.", fields=problems)
    if contact.erased_at is not None:
        raise Conflict("This contact is being erased.", code="contact_erased")
    record_ = consent_give if action == GIVEN else consent_withdraw
    return record_(
        contact=contact,
        purpose=purpose,
        channel=ConsentEntry.Channel.STAFF,
        text=text,
        text_version=text_version,
        recorded_by=actor,
        request=request,
    )


@transaction.atomic
def consent_sms_keyword(*, contact: Contact, stop: bool, word: str, now=None) -> ConsentEntry:
    """An SMS STOP (or START, ``stop=False``) texted by the person: the opt-out
    state that sends read (``Contact.opted_out_channels``) and the ledger change
    together. Every keyword is recorded, a repeated STOP too: it is what the
    person said, and when; the state is the newest entry either way."""
    contact_set_opt_out(contact=contact, channel="sms", opted_out=stop, source="sms_keyword")
    keyword = "STOP" if stop else "START"
    return consent_record(
        contact=contact,
        purpose=Purpose.SMS_MESSAGES,
        action=WITHDRAWN if stop else GIVEN,
        channel=ConsentEntry.Channel.SMS_KEYWORD,
        details={"keyword": keyword, "word": word},
        now=now,
    )
