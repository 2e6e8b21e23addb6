"""Access grants: a support person asks, the tenant decides, time or the tenant ends it.

Each step is one transaction that writes its audit event, so the tenant's
access-transparency page (built from the audit log) shows every request,
decision and end. The events carry ids, codes, the person's platform role and
country and whether the access is a transfer, never content.
"""

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audit.recorder import Actor, record
from instaply.errors import Conflict, Forbidden, Invalid
from instaply.publish import publish_after_commit
from platform_staff.models import (
    DECISION_WINDOW,
    MAX_GRANT_HOURS,
    AccessGrant,
    AccessGrantConversation,
    PlatformRole,
    PlatformStaff,
)
from tenants.models import Membership, Tenant
from tenants.permissions import Capability
from tenants.scoping import require_same_tenant
from tenants.services.notices import notice_post

Scope = AccessGrant.Scope
Reason = AccessGrant.Reason
Status = AccessGrant.Status

MAX_CONVERSATIONS = 50
JUSTIFICATION_MAX = 2000
CASE_REFERENCE_MAX = 64
DECISION_NOTE_MAX = 500


def grant_event_metadata(grant: AccessGrant, **extra) -> dict:
    """What every event about a grant says: enough for the transparency page."""
    return {
        "grant": str(grant.pk),
        "staff": str(grant.requested_by_id),
        "role": PlatformRole.SUPPORT.value,
        "country": grant.requester_country,
        "transfer": grant.transfer,
        "reason_code": grant.reason_code,
        **extra,
    }


def _hours(value, *, most: int, field: str) -> int:
    try:
        hours = int(value)
    except (TypeError, ValueError):
        raise Invalid("Give the duration in whole hours.", fields={field: "not a number"}) from None
    if not 1 <= hours <= most:
        raise Invalid(
            f"The duration must be between 1 and {most} hours.",
            fields={field: f"between 1 and {most}"},
        )
    return hours


def _tenant_conversations(tenant: Tenant, ids, *, field: str) -> list:
    """The tenant's conversations with these ids, or Invalid naming the ones that are not."""
    from conversations.models import Conversation

    wanted = []
    for raw in ids:
        try:
            wanted.append(_uuid(raw))
        except ValueError:
            raise Invalid(f"{raw!r} is not a conversation id.", fields={field: "bad id"}) from None
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) > MAX_CONVERSATIONS:
        raise Invalid(
            f"List at most {MAX_CONVERSATIONS} conversations.", fields={field: "too many"}
        )
    found = {c.pk: c for c in Conversation.objects.for_tenant(tenant).filter(pk__in=wanted)}
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise Invalid(
            "No conversation of this workspace has these ids: " + ", ".join(missing),
            fields={field: "unknown ids"},
        )
    return [found[pk] for pk in wanted]


def _uuid(raw):
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw).strip())


def access_request(
    *,
    staff: PlatformStaff,
    tenant: Tenant,
    scope: str,
    reason_code: str,
    justification: str,
    hours,
    case_reference: str = "",
    conversation_ids=(),
    request=None,
    now: dt.datetime | None = None,
) -> AccessGrant:
    """A support person asks a tenant for read access; its owners and admins are told."""
    if not staff.has_role(PlatformRole.SUPPORT):
        raise Forbidden("Only platform support may request access to a workspace.")
    now = now or timezone.now()
    if scope not in Scope.values:
        raise Invalid(
            "Choose the whole workspace or listed conversations.", fields={"scope": scope}
        )
    if reason_code not in Reason.values:
        raise Invalid("Choose a reason.", fields={"reason_code": "unknown reason"})
    case_reference = (case_reference or "").strip()
    if reason_code == Reason.CUSTOMER_SUPPORT_CASE and not case_reference:
        raise Invalid(
            "A customer support case needs its case reference.",
            fields={"case_reference": "required"},
        )
    if len(case_reference) > CASE_REFERENCE_MAX:
        raise Invalid("The case reference is too long.", fields={"case_reference": "too long"})
    justification = (justification or "").strip()
    if not justification:
        raise Invalid("Say why you need access.", fields={"justification": "required"})
    if len(justification) > JUSTIFICATION_MAX:
        raise Invalid(
            f"Keep the justification under {JUSTIFICATION_MAX} characters.",
            fields={"justification": "too long"},
        )
    hours = _hours(hours, most=MAX_GRANT_HOURS, field="hours")
    conversations = []
    if scope == Scope.CONVERSATIONS:
        conversations = _tenant_conversations(tenant, conversation_ids, field="conversations")
        if not conversations:
            raise Invalid("List the conversations you need.", fields={"conversations": "required"})

    with transaction.atomic():
        grant = AccessGrant.objects.create(
            tenant=tenant,
            requested_by=staff,
            requester_country=staff.country,
            transfer=staff.transfer,
            scope=scope,
            reason_code=reason_code,
            case_reference=case_reference,
            justification=justification,
            requested_hours=hours,
            requested_at=now,
            decision_due_at=now + DECISION_WINDOW,
        )
        AccessGrantConversation.objects.for_tenant(tenant).bulk_create(
            AccessGrantConversation(tenant=tenant, grant=grant, conversation=c)
            for c in conversations
        )
        record(
            "platform.access_requested",
            request=request,
            tenant=tenant,
            actor=Actor.platform_staff(staff.user),
            target=("access_grant", grant.pk),
            metadata=grant_event_metadata(
                grant, scope=scope, hours=hours, conversations=len(conversations)
            ),
        )
        notice_post(
            tenant=tenant,
            capability=Capability.MAINTENANCE_GRANT,
            kind="platform_access.requested",
            link=reverse("web:platform-access"),
            params={"grant": str(grant.pk), "hours": hours, "reason_code": reason_code},
        )
        _after_commit("notify_access_request", grant)
    return grant


def _locked(grant: AccessGrant) -> AccessGrant:
    return (
        AccessGrant.objects.for_tenant(grant.tenant_id)
        .select_for_update()
        .select_related("requested_by__user")
        .get(pk=grant.pk)
    )


def _check_decider(membership: Membership, grant: AccessGrant) -> None:
    require_same_tenant(membership, grant)
    if not membership.can(Capability.MAINTENANCE_GRANT):
        raise Forbidden("Only the workspace's owners and admins decide on platform access.")


def access_approve(
    *,
    membership: Membership,
    grant: AccessGrant,
    hours=None,
    conversation_ids=None,
    note: str = "",
    request=None,
    now: dt.datetime | None = None,
) -> AccessGrant:
    """Approves a pending request, as asked or narrower: fewer conversations
    (a whole-workspace request may be narrowed to listed ones), fewer hours."""
    _check_decider(membership, grant)
    now = now or timezone.now()
    note = _note(note)
    with transaction.atomic():
        grant = _locked(grant)
        _check_pending(grant, now)
        hours = grant.requested_hours if hours in (None, "") else hours
        hours = _hours(hours, most=grant.requested_hours, field="hours")
        rows = AccessGrantConversation.objects.for_tenant(grant.tenant_id).filter(grant=grant)
        if conversation_ids is None:
            approved_scope = grant.scope
            approved_ids = [row.conversation_id for row in rows]
        else:
            chosen = _tenant_conversations(grant.tenant, conversation_ids, field="conversations")
            if not chosen:
                raise Invalid(
                    "Keep at least one conversation, or deny the request.",
                    fields={"conversations": "required"},
                )
            approved_ids = [c.pk for c in chosen]
            if grant.scope == Scope.CONVERSATIONS:
                asked = {row.conversation_id for row in rows}
                if not set(approved_ids) <= asked:
                    raise Invalid(
                        "You can only narrow a request to conversations it asked for.",
                        fields={"conversations": "not requested"},
                    )
            else:
                AccessGrantConversation.objects.for_tenant(grant.tenant_id).bulk_create(
                    AccessGrantConversation(
                        tenant_id=grant.tenant_id,
                        grant=grant,
                        conversation_id=pk,
                        requested=False,
                    )
                    for pk in approved_ids
                )
            approved_scope = Scope.CONVERSATIONS
        rows.filter(conversation_id__in=approved_ids).update(approved=True)
        grant.status = Status.APPROVED
        grant.approved_scope = approved_scope
        grant.approved_hours = hours
        grant.expires_at = now + dt.timedelta(hours=hours)
        _decided(grant, membership, note, now)
        narrowed = hours < grant.requested_hours or (
            approved_scope != grant.scope
            or (grant.scope == Scope.CONVERSATIONS and len(approved_ids) < rows.count())
        )
        _tenant_answered(
            "platform.access_approved",
            grant,
            membership,
            request,
            scope=approved_scope,
            hours=hours,
            conversations=len(approved_ids) if approved_scope == Scope.CONVERSATIONS else 0,
            narrowed=narrowed,
            expires_at=grant.expires_at.isoformat(),
        )
    return grant


def access_deny(
    *,
    membership: Membership,
    grant: AccessGrant,
    note: str = "",
    request=None,
    now: dt.datetime | None = None,
) -> AccessGrant:
    _check_decider(membership, grant)
    now = now or timezone.now()
    note = _note(note)
    with transaction.atomic():
        grant = _locked(grant)
        _check_pending(grant, now)
        grant.status = Status.DENIED
        _decided(grant, membership, note, now)
        _tenant_answered("platform.access_denied_by_tenant", grant, membership, request)
    return grant


def access_revoke(
    *, membership: Membership, grant: AccessGrant, request=None, now: dt.datetime | None = None
) -> AccessGrant:
    """Ends a live grant at once: the support person's next request is refused."""
    _check_decider(membership, grant)
    now = now or timezone.now()
    with transaction.atomic():
        grant = _locked(grant)
        if not grant.is_live(now):
            raise Conflict("This grant is not live any more: nothing to revoke.")
        grant.status = Status.REVOKED
        grant.revoked_at = now
        grant.revoked_by = membership
        grant.save(update_fields=["status", "revoked_at", "revoked_by"])
        _tenant_answered("platform.access_revoked", grant, membership, request)
    return grant


def access_expiries_record(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Audits each grant or request whose time ran out, once. Access already
    ended at that time (``AccessGrant.state``); this only writes it down."""
    now = now or timezone.now()
    lapsed = (
        AccessGrant.objects.dangerously_unscoped(reason="the expiry sweep covers every tenant")
        .filter(_lapsed_q(now), expiry_recorded_at__isnull=True)
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in list(lapsed):
        with transaction.atomic():
            grant = (
                AccessGrant.objects.dangerously_unscoped(reason="one lapsed grant, by id")
                .select_for_update(skip_locked=True)
                .filter(pk=pk, expiry_recorded_at__isnull=True)
                .first()
            )
            if grant is None or grant.state(now) != Status.EXPIRED:
                continue
            was = grant.status
            grant.expiry_recorded_at = now
            grant.save(update_fields=["expiry_recorded_at"])
            record(
                "platform.access_expired",
                tenant=grant.tenant_id,
                actor=Actor.system("access_expiry"),
                target=("access_grant", grant.pk),
                metadata=grant_event_metadata(grant, was=was),
            )
            done += 1
    return done


def _lapsed_q(now):
    return Q(status=Status.PENDING, decision_due_at__lte=now) | Q(
        status=Status.APPROVED, expires_at__lte=now
    )


def _tenant_answered(action: str, grant: AccessGrant, membership, request, **metadata) -> None:
    """The audit event of a tenant's answer, and the support person's email after commit."""
    record(
        action,
        request=request,
        tenant=grant.tenant_id,
        actor=Actor.member(membership),
        target=("access_grant", grant.pk),
        metadata=grant_event_metadata(grant, **metadata),
    )
    _after_commit("notify_access_decision", grant)


def _check_pending(grant: AccessGrant, now) -> None:
    state = grant.state(now)
    if state == Status.EXPIRED and grant.status == Status.PENDING:
        raise Conflict(
            "This request expired without a decision; the support person must ask again."
        )
    if state != Status.PENDING:
        answer = grant.get_status_display().lower()
        raise Conflict(f"This request was already answered ({answer}).")


def _decided(grant: AccessGrant, membership: Membership, note: str, now) -> None:
    grant.decided_at = now
    grant.decided_by = membership
    grant.decision_note = note
    grant.save(
        update_fields=[
            "status",
            "approved_scope",
            "approved_hours",
            "expires_at",
            "decided_at",
            "decided_by",
            "decision_note",
        ]
    )


def _note(note) -> str:
    note = (note or "").strip()
    if len(note) > DECISION_NOTE_MAX:
        raise Invalid(
            f"Keep the note under {DECISION_NOTE_MAX} characters.", fields={"note": "too long"}
        )
    return note


def _after_commit(task_name: str, grant: AccessGrant) -> None:
    from platform_staff import tasks

    # A lost publish leaves the grant's email mark unset, for the sweeper.
    publish_after_commit(getattr(tasks, task_name), grant.pk)
