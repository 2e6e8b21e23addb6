"""Data-subject requests, step by step: filed by the tenant, matched to one
contact, worked by the platform's DPO, paused while waiting on the tenant,
then completed, rejected or cancelled.

Each step is one transaction that writes its ``RequestEvent`` and its audit
event (``privacy.request_*``, target ``("dsr", id)``, metadata of codes and
ids only: never an identifier of the subject). The due time is never set by
hand: after every clock event (received, paused, resumed) it is recomputed
from the request's history by ``privacy.deadlines.deadline``.
"""

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from analytics import events as analytics
from analytics.tracking import track
from audit.recorder import Actor, record
from conversations.models import Contact
from instaply.errors import Conflict, Forbidden, Invalid
from instaply.publish import publish_after_commit
from platform_staff.models import PlatformRole, PlatformStaff
from privacy import deadlines
from privacy.blind_index import blind_index, normalise_email, normalise_phone
from privacy.dsr.matching import Match, match_subject, subject_counts
from privacy.dsr.models import DataSubjectRequest, RequestEvent
from tenants.models import Membership
from tenants.permissions import Capability
from tenants.scoping import require_same_tenant

Type = DataSubjectRequest.Type
State = DataSubjectRequest.State
Kind = RequestEvent.Kind

CORRECTABLE = ("name", "email", "phone")
NOTES_MAX = 4000
REASON_MAX = 500
KEY_MAX = 100
PURPOSE_MAX = 32

LINKED = gettext_noop(
    "A request of this type for this person is already open: it is answered there."
)
ANSWERED = gettext_noop("The workspace answered.")
SYSTEM = "system:dsr_work"


# -- Who acts -----------------------------------------------------------------


def _member_filer(membership: Membership) -> None:
    if not membership.can(Capability.PRIVACY_REQUESTS):
        raise Forbidden("Only the workspace's owners and privacy officers handle privacy requests.")


def _dpo(staff) -> PlatformStaff:
    if not isinstance(staff, PlatformStaff) or not staff.has_role(PlatformRole.DPO):
        raise Forbidden("Only the platform's data protection officer works privacy requests.")
    return staff


def _actor(who) -> tuple[Actor, str]:
    """The audit actor and the event's actor label of a member, DPO or the system."""
    if isinstance(who, Membership):
        return Actor.member(who), f"member:{who.pk}"
    if isinstance(who, PlatformStaff):
        return Actor.platform_staff(who.user), f"platform_staff:{who.user_id}"
    return Actor.system("dsr_work"), SYSTEM


def _system(source: str) -> tuple[Actor, str]:
    """The actor of a request the platform files by itself (e.g. ``minors``)."""
    return Actor.system(source), f"system:{source}"


# -- Filing -------------------------------------------------------------------


def _clean_identifiers(tenant, phone, email) -> tuple[str, str, str | None, str | None]:
    phone, email = (phone or "").strip(), (email or "").strip()
    if phone:
        try:
            phone = normalise_phone(phone)
        except Invalid:
            raise Invalid(
                "The phone number is not valid: give it in international form (+33…).",
                fields={"phone": ["Not a valid phone number."]},
            ) from None
    if email:
        email = normalise_email(email)
        local, _, domain = email.partition("@")
        if not local or "." not in domain or " " in email or len(email) > 254:
            raise Invalid(
                "The email address is not valid.", fields={"email": ["Not a valid address."]}
            )
    return (
        phone,
        email,
        blind_index(tenant.pk, "phone", phone) if phone else None,
        blind_index(tenant.pk, "email", email) if email else None,
    )


def _tenant_contact(tenant, contact_id) -> Contact | None:
    if contact_id in (None, ""):
        return None
    try:
        pk = contact_id if isinstance(contact_id, uuid.UUID) else uuid.UUID(str(contact_id))
        return Contact.objects.for_tenant(tenant).get(pk=pk, erased_at__isnull=True)
    except (ValueError, Contact.DoesNotExist):
        # Another tenant's contact reads exactly like a missing one.
        raise Invalid(
            "No contact of this workspace has this id.",
            fields={"contact_id": ["Unknown contact."]},
        ) from None


def _clean_corrections(request_type, corrections) -> dict:
    if request_type != Type.RECTIFICATION:
        if corrections:
            raise Invalid(
                "Corrected values belong to a rectification request only.",
                fields={"corrections": ["Only for rectification."]},
            )
        return {}
    if not isinstance(corrections, dict) or not corrections:
        raise Invalid(
            "A rectification request needs the corrected values (name, email or phone).",
            fields={"corrections": ["Required."]},
        )
    unknown = sorted(set(corrections) - set(CORRECTABLE))
    if unknown:
        raise Invalid(
            "Only the name, email and phone can be corrected.",
            fields={"corrections": [f"Unknown field: {name}." for name in unknown]},
        )
    cleaned = {}
    for name, value in corrections.items():
        if not isinstance(value, str) or not value.strip():
            raise Invalid(
                f"Give the corrected {name}.", fields={"corrections": [f"{name}: empty value."]}
            )
        value = value.strip()
        if name == "phone":
            try:
                value = normalise_phone(value)
            except Invalid:
                raise Invalid(
                    "The corrected phone number is not valid.",
                    fields={"corrections": ["phone: not a valid phone number."]},
                ) from None
        elif name == "email":
            value = normalise_email(value)
            if "@" not in value or "." not in value.partition("@")[2]:
                raise Invalid(
                    "The corrected email address is not valid.",
                    fields={"corrections": ["email: not a valid address."]},
                )
        elif len(value) > 150:
            raise Invalid(
                "The corrected name is too long.", fields={"corrections": ["name: too long."]}
            )
        cleaned[name] = value
    return cleaned


def _validate_filing(
    *,
    tenant,
    request_type,
    subject_asked_on,
    identity_verified,
    notes,
    purpose,
    idempotency_key,
    now,
) -> tuple[str, str, str]:
    if request_type not in Type.values:
        raise Invalid("Choose the type of request.", fields={"type": ["Unknown type."]})
    if identity_verified is not True:
        raise Invalid(
            "Confirm that the workspace verified the person's identity before filing.",
            fields={"identity_verified": ["Must be true."]},
        )
    if not isinstance(subject_asked_on, dt.date) or isinstance(subject_asked_on, dt.datetime):
        raise Invalid(
            "Give the date the person asked you.", fields={"subject_asked_on": ["Required."]}
        )
    today = now.astimezone(deadlines.platform_calendar().zone).date()
    if subject_asked_on > today:
        raise Invalid(
            "The date the person asked cannot be in the future.",
            fields={"subject_asked_on": ["In the future."]},
        )
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise Invalid(
            f"Keep the notes under {NOTES_MAX} characters.", fields={"notes": ["Too long."]}
        )
    purpose = (purpose or "").strip().lower()
    if purpose and request_type not in (Type.OBJECTION, Type.OBJECTION_WITHDRAWAL):
        raise Invalid(
            "A purpose belongs to an objection only.", fields={"purpose": ["Only for objection."]}
        )
    if len(purpose) > PURPOSE_MAX or (purpose and not purpose.replace("_", "").isalnum()):
        raise Invalid(
            "Name the purpose with one short word (e.g. marketing).",
            fields={"purpose": ["One short word."]},
        )
    key = (idempotency_key or "").strip()
    if len(key) > KEY_MAX:
        raise Invalid(
            f"The idempotency key is longer than {KEY_MAX} characters.",
            fields={"idempotency_key": ["Too long."]},
        )
    return notes, purpose, key


def dsr_file(
    *,
    membership: Membership,
    request_type: str,
    phone: str = "",
    email: str = "",
    contact_id=None,
    subject_asked_on,
    identity_verified,
    notes: str = "",
    corrections=None,
    purpose: str = "",
    idempotency_key: str = "",
    request=None,
    now: dt.datetime | None = None,
) -> tuple[DataSubjectRequest, bool]:
    """Files a request; returns it and whether it is new.

    The same idempotency key returns the first request. Identifiers that match
    nobody or several people file the request paused, with the reason the
    tenant must answer. A duplicate of an open request for the same person and
    type is filed closed and linked to it: it shows the open one's progress and
    is never worked twice.
    """
    _member_filer(membership)
    tenant = membership.tenant
    now = now or timezone.now()
    notes, purpose, key = _validate_filing(
        tenant=tenant,
        request_type=request_type,
        subject_asked_on=subject_asked_on,
        identity_verified=identity_verified,
        notes=notes,
        purpose=purpose,
        idempotency_key=idempotency_key,
        now=now,
    )
    if key:
        existing = _by_key(tenant, key)
        if existing is not None:
            return _same_request(existing, request_type), False
    phone, email, phone_index, email_index = _clean_identifiers(tenant, phone, email)
    contact = _tenant_contact(tenant, contact_id)
    if not (phone or email or contact):
        raise Invalid(
            "Give at least one way to identify the person: phone, email or contact id.",
            fields={"phone": ["Give a phone, an email or a contact id."]},
        )
    corrections = _clean_corrections(request_type, corrections)
    try:
        with transaction.atomic():
            dsr = _create(
                tenant=tenant,
                membership=membership,
                request_type=request_type,
                phone=phone,
                email=email,
                phone_index=phone_index,
                email_index=email_index,
                contact=contact,
                subject_asked_on=subject_asked_on,
                notes=notes,
                corrections=corrections,
                purpose=purpose,
                key=key,
                request=request,
                now=now,
            )
    except IntegrityError:
        # Two filings with one key raced: the first one won.
        existing = _by_key(tenant, key) if key else None
        if existing is None:
            raise
        return _same_request(existing, request_type), False
    return dsr, True


def dsr_file_by_platform(
    *,
    contact: Contact,
    request_type: str,
    reason: str,
    source: str,
    wait_on_tenant: str = "",
    request=None,
    now: dt.datetime | None = None,
) -> DataSubjectRequest:
    """A request the platform files by itself about one contact it names
    (privacy.minors: a contact marked under 15 gets an erasure request).

    The same creation as a tenant's filing (``_create``): it names the contact,
    is linked to an open request of the same type about them (then it is closed
    at once, as any duplicate), is audited, and lands in the DPO's queue like
    any other. Nobody filed it: ``filed_by`` is empty, ``reason`` says why, the
    actor is ``system:<source>``. The subject is the contact itself, not
    identifiers someone typed, so there is nothing to match: the identity is
    taken as verified. ``subject_asked_on`` is today (the platform's calendar).

    ``wait_on_tenant``: a reason to file it paused, waiting on the tenant (who
    answers it to go on, or cancels it), when what opened it needs confirming.
    Call it inside the transaction that caused it.
    """
    if request_type not in Type.values or not reason or len(reason) > 32:
        raise ValueError("a platform filing needs a known type and a short reason code")
    now = now or timezone.now()
    today = now.astimezone(deadlines.platform_calendar().zone).date()
    with transaction.atomic():
        dsr = _create(
            tenant=contact.tenant,
            membership=None,
            request_type=request_type,
            phone="",
            email="",
            phone_index=None,
            email_index=None,
            contact=contact,
            subject_asked_on=today,
            notes="",
            corrections={},
            purpose="",
            key="",
            request=request,
            now=now,
            reason=reason,
            system=source,
        )
        if wait_on_tenant and dsr.is_open and not dsr.paused:
            actor, label = _system(source)
            _event(dsr, Kind.PAUSED, now, actor=label, reason=_reason(wait_on_tenant))
            dsr.paused = True
            _refresh_due(dsr, now)
            dsr.save(update_fields=["paused", "due_at"])
            _audit("privacy.request_paused", dsr, actor, request, reason_code="confirm")
    return dsr


def _by_key(tenant, key: str) -> DataSubjectRequest | None:
    return DataSubjectRequest.objects.for_tenant(tenant).filter(idempotency_key=key).first()


def _same_request(existing: DataSubjectRequest, request_type: str) -> DataSubjectRequest:
    if existing.request_type != request_type:
        raise Conflict(
            "This idempotency key was already used for a request of another type.",
            fields={"idempotency_key": ["Already used."]},
        )
    return existing


def _create(
    *,
    tenant,
    membership,
    request_type,
    phone,
    email,
    phone_index,
    email_index,
    contact,
    subject_asked_on,
    notes,
    corrections,
    purpose,
    key,
    request,
    now,
    reason="",
    system="",
):
    """``membership`` files it, or None when the platform files it by itself
    (``system`` names the source, ``reason`` says why)."""
    match = match_subject(
        tenant=tenant, phone_index=phone_index, email_index=email_index, contact=contact
    )
    original = _open_duplicate_of(
        tenant,
        request_type=request_type,
        purpose=purpose,
        contact=match.contact,
        phone_index=phone_index,
        email_index=email_index,
    )
    dsr = DataSubjectRequest(
        tenant=tenant,
        request_type=request_type,
        idempotency_key=key,
        filed_by=membership,
        received_at=now,
        subject_asked_on=subject_asked_on,
        identity_verified=True,
        subject_phone=phone or None,
        subject_email=email or None,
        phone_index=phone_index or "",
        email_index=email_index or "",
        contact=match.contact,
        notes=notes or None,
        corrections=corrections or None,
        purpose=purpose,
        duplicate_of=original,
        counts=subject_counts(match.contact) if match.contact else {},
        reason=reason,
    )
    if original is not None:
        dsr.state = State.CANCELLED
        dsr.closed_at = now
        dsr.due_at = original.due_at
    dsr.save()
    actor, label = _actor(membership) if membership else _system(system)
    _event(dsr, Kind.RECEIVED, now, actor=label)
    _audit("privacy.request_filed", dsr, actor, request, match=match.outcome)
    if original is not None:
        _event(dsr, Kind.LINKED, now, actor=label, reason=LINKED)
        _event(original, Kind.LINKED, now, actor=label, reason=LINKED)
        _audit("privacy.request_linked", dsr, actor, request, duplicate_of=str(original.pk))
        return dsr
    if match.contact is None:
        _event(dsr, Kind.PAUSED, now, actor=SYSTEM, reason=match.reason)
        dsr.paused = True
        _audit("privacy.request_paused", dsr, actor, request, reason_code=f"match_{match.outcome}")
    _refresh_due(dsr, now)
    dsr.save(update_fields=["paused", "due_at"])
    return dsr


def _open_duplicate_of(tenant, *, request_type, purpose, contact, phone_index, email_index):
    """The open request of this type for the same person, if any (the oldest)."""
    same_person = []
    if contact is not None:
        same_person.append({"contact": contact})
    if phone_index:
        same_person.append({"phone_index": phone_index})
    if email_index:
        same_person.append({"email_index": email_index})
    who = Q(pk__in=[])
    for condition in same_person:
        who |= Q(**condition)
    return (
        DataSubjectRequest.objects.for_tenant(tenant)
        .filter(who, request_type=request_type, purpose=purpose, duplicate_of__isnull=True)
        .filter(state__in=DataSubjectRequest.OPEN_STATES)
        .order_by("received_at")
        .first()
    )


# -- The steps after filing -----------------------------------------------------


def _locked(dsr: DataSubjectRequest) -> DataSubjectRequest:
    return DataSubjectRequest.objects.for_tenant(dsr.tenant_id).select_for_update().get(pk=dsr.pk)


def _require_open(dsr: DataSubjectRequest) -> None:
    if not dsr.is_open:
        raise Conflict(f"This request is {dsr.get_state_display().lower()}: nothing more to do.")


def dsr_start(*, staff, dsr: DataSubjectRequest, request=None, now=None) -> DataSubjectRequest:
    """The DPO starts the work: received → in progress, the work task queued."""
    _dpo(staff)
    now = now or timezone.now()
    with transaction.atomic():
        dsr = _locked(dsr)
        if dsr.state != State.RECEIVED:
            raise Conflict("Only a received request can be started.")
        if dsr.paused:
            raise Conflict("This request is paused, waiting on the workspace.")
        if dsr.contact_id is None:
            raise Conflict("This request names nobody yet: it cannot be worked.")
        dsr.state = State.IN_PROGRESS
        dsr.progress = 0
        dsr.save(update_fields=["state", "progress"])
        actor, label = _actor(staff)
        _event(dsr, Kind.STARTED, now, actor=label)
        _audit("privacy.request_started", dsr, actor, request)
        _queue_work(dsr)
    return dsr


def dsr_pause(*, actor, dsr: DataSubjectRequest, reason: str, request=None, now=None):
    """Stops the clock while waiting on the tenant. ``actor`` is the DPO, a
    member with the privacy capability, or None for the work task."""
    if isinstance(actor, Membership):
        require_same_tenant(actor, dsr)
        _member_filer(actor)
    elif actor is not None:
        _dpo(actor)
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        dsr = _locked(dsr)
        _require_open(dsr)
        if dsr.paused:
            raise Conflict("This request is already paused.")
        audit_actor, label = _actor(actor)
        _event(dsr, Kind.PAUSED, now, actor=label, reason=reason)
        dsr.paused = True
        _refresh_due(dsr, now)
        dsr.save(update_fields=["paused", "due_at"])
        _audit("privacy.request_paused", dsr, audit_actor, request, reason_code="stated")
    return dsr


def dsr_resume(*, actor, dsr: DataSubjectRequest, reason: str = "", request=None, now=None):
    """Restarts the clock (the DPO, once what the request waited on is settled)."""
    if isinstance(actor, Membership):
        require_same_tenant(actor, dsr)
        _member_filer(actor)
    else:
        _dpo(actor)
    now = now or timezone.now()
    with transaction.atomic():
        dsr = _locked(dsr)
        _resume(dsr, actor, _reason(reason, required=False), request, now)
    return dsr


def dsr_answer(
    *,
    membership: Membership,
    dsr: DataSubjectRequest,
    phone: str = "",
    email: str = "",
    contact_id=None,
    note: str = "",
    request=None,
    now=None,
) -> DataSubjectRequest:
    """The tenant answers a pause: new identifiers or the contact id, and a note.

    New identifiers are matched again; unless they name exactly one person the
    answer is refused (400) and nothing changes, so the tenant can try again.
    """
    require_same_tenant(membership, dsr)
    _member_filer(membership)
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > NOTES_MAX:
        raise Invalid(
            f"Keep the note under {NOTES_MAX} characters.", fields={"note": ["Too long."]}
        )
    tenant = membership.tenant
    phone, email, phone_index, email_index = _clean_identifiers(tenant, phone, email)
    contact = _tenant_contact(tenant, contact_id)
    with transaction.atomic():
        dsr = _locked(dsr)
        _require_open(dsr)
        if not dsr.paused:
            raise Conflict("This request is not waiting on the workspace.")
        changed = bool(phone or email or contact)
        if phone:
            dsr.subject_phone, dsr.phone_index = phone, phone_index
        if email:
            dsr.subject_email, dsr.email_index = email, email_index
        if changed or dsr.contact_id is None:
            match = match_subject(
                tenant=tenant,
                phone_index=dsr.phone_index,
                email_index=dsr.email_index,
                contact=contact,
            )
            _settle(match)
            dsr.contact = match.contact
            dsr.counts = {**dsr.counts, **subject_counts(match.contact)}
        if note:
            stamp = now.strftime("%Y-%m-%d %H:%M UTC")
            dsr.notes = "\n\n".join(filter(None, [dsr.notes, f"[{stamp}] {note}"]))
        dsr.save(
            update_fields=[
                "subject_phone",
                "phone_index",
                "subject_email",
                "email_index",
                "contact",
                "counts",
                "notes",
            ]
        )
        _resume(dsr, membership, ANSWERED, request, now)
    return dsr


def _settle(match: Match) -> None:
    if match.contact is None:
        raise Invalid(
            match.reason, fields={"contact_id": [match.reason]}, code=f"match_{match.outcome}"
        )


def _resume(dsr, actor, reason, request, now) -> None:
    _require_open(dsr)
    if not dsr.paused:
        raise Conflict("This request is not paused.")
    if dsr.contact_id is None:
        raise Conflict("This request still names nobody: the workspace must answer first.")
    audit_actor, label = _actor(actor)
    _event(dsr, Kind.RESUMED, now, actor=label, reason=reason)
    dsr.paused = False
    _refresh_due(dsr, now)
    dsr.save(update_fields=["paused", "due_at"])
    _audit("privacy.request_resumed", dsr, audit_actor, request)
    if dsr.state == State.IN_PROGRESS:
        # Work stopped by the pause (an executor's refusal) goes on; executors
        # are safe to run again.
        _queue_work(dsr)


def dsr_reject(*, staff, dsr: DataSubjectRequest, reason: str, request=None, now=None):
    """The DPO refuses the request, with a reason the tenant reads."""
    _dpo(staff)
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        dsr = _locked(dsr)
        _require_open(dsr)
        if dsr.state == State.IN_PROGRESS:
            raise Conflict("The work on this request has started: it can no longer be rejected.")
        dsr.state = State.REJECTED
        dsr.rejection_reason = reason
        dsr.closed_at = now
        dsr.save(update_fields=["state", "rejection_reason", "closed_at"])
        actor, label = _actor(staff)
        _event(dsr, Kind.REJECTED, now, actor=label, reason=reason)
        _audit("privacy.request_rejected", dsr, actor, request)
        _tell_tenant(dsr, "rejected")
    return dsr


def dsr_cancel(*, membership: Membership, dsr: DataSubjectRequest, request=None, now=None):
    """The tenant withdraws its request, before the work starts."""
    require_same_tenant(membership, dsr)
    _member_filer(membership)
    now = now or timezone.now()
    with transaction.atomic():
        dsr = _locked(dsr)
        _require_open(dsr)
        if dsr.state == State.IN_PROGRESS:
            raise Conflict("The work on this request has started: it can no longer be cancelled.")
        dsr.state = State.CANCELLED
        dsr.closed_at = now
        dsr.save(update_fields=["state", "closed_at"])
        actor, label = _actor(membership)
        _event(dsr, Kind.CANCELLED, now, actor=label)
        _audit("privacy.request_cancelled", dsr, actor, request)
    return dsr


def dsr_progress(*, dsr_id, percent: int) -> None:
    """The work's progress (0-99: 100 is for completion), in its own short write."""
    percent = max(0, min(99, int(percent)))
    DataSubjectRequest.objects.dangerously_unscoped(
        reason="the work task updates its request"
    ).filter(pk=dsr_id, state=State.IN_PROGRESS).update(progress=percent)


def dsr_complete(*, dsr: DataSubjectRequest, counts: dict | None = None, now=None):
    """The work task is done: the request is completed, the tenant told. Twice is once."""
    now = now or timezone.now()
    with transaction.atomic():
        dsr = _locked(dsr)
        if dsr.state == State.COMPLETED:
            return dsr
        if dsr.state != State.IN_PROGRESS or dsr.paused:
            raise Conflict("Only a request in progress can be completed.")
        dsr.state = State.COMPLETED
        dsr.progress = 100
        dsr.closed_at = now
        dsr.counts = {**dsr.counts, **_codes_and_numbers(counts or {})}
        dsr.save(update_fields=["state", "progress", "closed_at", "counts"])
        actor, label = _actor(None)
        _event(dsr, Kind.COMPLETED, now, actor=label)
        _audit("privacy.request_completed", dsr, actor, None)
        track(
            analytics.DSR_COMPLETED,
            tenant_id=dsr.tenant_id,
            contact_id=dsr.contact_id,
            request_type=dsr.request_type,
            timeliness=analytics.timeliness(closed_at=now, due_at=dsr.due_at),
        )
        _tell_tenant(dsr, "completed")
    return dsr


# -- Helpers ------------------------------------------------------------------------


def _codes_and_numbers(counts: dict) -> dict:
    """What an executor may put in the counts: short keys, numbers or short codes."""
    kept = {}
    for key, value in counts.items():
        if isinstance(value, bool | int | float) or (isinstance(value, str) and len(value) <= 64):
            kept[str(key)[:64]] = value
    return kept


def _reason(reason, *, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise Invalid("Give the reason the workspace will read.", fields={"reason": ["Required."]})
    if len(reason) > REASON_MAX:
        raise Invalid(
            f"Keep the reason under {REASON_MAX} characters.", fields={"reason": ["Too long."]}
        )
    return reason


def _event(dsr, kind, at, *, actor: str, reason: str = "") -> RequestEvent:
    return RequestEvent.objects.create(
        tenant_id=dsr.tenant_id, request=dsr, kind=kind, at=at, actor=actor, reason=reason
    )


def _refresh_due(dsr: DataSubjectRequest, now) -> None:
    """``due_at`` from the clock events (None while paused)."""
    clock = (Kind.RECEIVED, Kind.PAUSED, Kind.RESUMED)
    events = [
        deadlines.ClockEvent(kind=e.kind, at=e.at)
        for e in RequestEvent.objects.for_tenant(dsr.tenant_id).filter(request=dsr, kind__in=clock)
    ]
    dsr.due_at = deadlines.deadline(events, now=now).due_at


def _audit(action: str, dsr, actor: Actor, request, **codes) -> None:
    record(
        action,
        request=request,
        tenant=dsr.tenant_id,
        actor=actor,
        target=("dsr", dsr.pk),
        metadata={"type": dsr.request_type, "state": dsr.state, "paused": dsr.paused, **codes},
    )


def _queue_work(dsr: DataSubjectRequest) -> None:
    from privacy.dsr import work

    publish_after_commit(work.perform_request, dsr.pk)


def _tell_tenant(dsr: DataSubjectRequest, outcome: str) -> None:
    """An in-app notice now, the email after commit (sent once by its task)."""
    from privacy.dsr import work
    from tenants.services.notices import notice_post

    notice_post(
        tenant=dsr.tenant,
        capability=Capability.PRIVACY_REQUESTS,
        kind=f"privacy_request.{outcome}",
        link=reverse("web:privacy-request", args=[dsr.pk]),
        params={"request": str(dsr.pk), "type": dsr.request_type},
    )
    publish_after_commit(work.notify_outcome, dsr.pk)
