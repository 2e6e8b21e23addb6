"""Writing to the consent ledger. Every consent or withdrawal, whatever its
channel (widget, SMS keyword, staff, API), goes through ``consent_record``."""

from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.recorder import Actor, record
from conversations.models import Contact
from privacy.consent.models import ConsentEntry
from privacy.policies.selectors import version_in_force


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
    if actor is None:
        actor = Actor.member(recorded_by) if recorded_by else Actor.system(channel)
    record(
        actions.CONSENT_GIVEN if action == ConsentEntry.Action.GIVEN else actions.CONSENT_WITHDRAWN,
        tenant=contact.tenant_id,
        actor=actor,
        request=request,
        target=("contact", contact.pk),
        metadata={"purpose": purpose, "channel": channel, "entry_id": entry.pk},
    )
    return entry
