"""The steps of an audit request, each one transaction with its audit event.

    tenant owner files (proposed)
      ├─ platform DPO accepts the proposed date ───────────────┐
      └─ platform DPO proposes another date (counter_proposed) │
           └─ tenant owner accepts it ─────────────────────────┴─> accepted
    any time before the audit's date: a tenant owner cancels (cancelled)

A refused step writes nothing but its ``compliance.audit_request_refused``
event (with the reason code), recorded after the step's transaction rolled
back, and raises ``AuditRequestRefused`` whose message the tenant reads.
Acceptance starts the evidence package (compliance.audits.package) once the
transaction commits. Emails go out from a task (compliance.audits.emails);
the tenant's owners also get an in-app notice for what the platform did.
"""

import datetime as dt

from django.db import transaction
from django.urls import reverse

from audit import actions
from audit.recorder import Actor, record
from compliance.audits import rules
from compliance.audits.rules import Refusal
from compliance.models import AuditRequest
from instaply.errors import DomainError
from instaply.publish import publish_after_commit
from platform_staff.models import PlatformRole
from tenants.models import Tenant
from tenants.permissions import Capability
from tenants.scoping import require_same_tenant
from tenants.services.notices import notice_post

TARGET = "audit_request"
NOTE_MAX = 4000
STATUS = {"not_allowed": 403, "wrong_state": 409, "already_held": 409}


class AuditRequestRefused(DomainError):
    def __init__(self, refusal: Refusal):
        super().__init__(refusal.message, code=refusal.code)
        self.refusal = refusal
        self.status_code = STATUS.get(refusal.code, 400)


def audit_request_file(
    *, membership, proposed_date: dt.date, scope_note: str, now: dt.datetime, request=None
) -> AuditRequest:
    """A tenant owner asks to audit the platform on ``proposed_date``."""
    refusal = None if membership.can(Capability.AUDIT_REQUEST) else Refusal("not_allowed")
    if refusal is None:
        with transaction.atomic():
            _lock_tenant(membership.tenant_id)
            others = list(AuditRequest.objects.for_tenant(membership.tenant_id))
            refusal = rules.proposal_refusal(proposed_date, now=now, others=others)
            if refusal is None:
                audit = AuditRequest.objects.create(
                    tenant_id=membership.tenant_id,
                    filed_by=membership,
                    filed_at=now,
                    proposed_date=proposed_date,
                    scope_note=(scope_note or "").strip()[:NOTE_MAX],
                )
                _record(
                    actions.AUDIT_REQUEST_FILED,
                    audit,
                    Actor.member(membership),
                    request,
                    {"proposed_date": proposed_date.isoformat()},
                )
                _email(audit, "filed", "dpo", proposed_date.isoformat())
                return audit
    _refuse(
        refusal,
        "file",
        tenant=membership.tenant_id,
        actor=Actor.member(membership),
        request=request,
        date=proposed_date,
    )


def audit_request_counter_propose(
    *, staff, request: AuditRequest, date: dt.date, note: str, now: dt.datetime, http=None
) -> AuditRequest:
    """The platform's DPO proposes another date (with the same notice and year rules)."""
    actor = Actor.platform_staff(staff.user)
    with transaction.atomic():
        audit = _locked(request)
        refusal = _staff_refusal(staff) or _state_refusal(
            audit, AuditRequest.State.PROPOSED, AuditRequest.State.COUNTER_PROPOSED
        )
        refusal = refusal or rules.proposal_refusal(date, now=now, others=_others(audit))
        if refusal is None:
            audit.state = AuditRequest.State.COUNTER_PROPOSED
            audit.counter_date = date
            audit.platform_note = (note or "").strip()[:NOTE_MAX]
            audit.decided_by, audit.decided_at = staff, now
            audit.save(
                update_fields=["state", "counter_date", "platform_note", "decided_by", "decided_at"]
            )
            _record(
                actions.AUDIT_REQUEST_COUNTER_PROPOSED,
                audit,
                actor,
                http,
                {"counter_date": date.isoformat(), "staff": str(staff.pk)},
            )
            tell_owners(audit, "counter_proposed", date)
            return audit
    _refuse(
        refusal,
        "counter_propose",
        tenant=request.tenant_id,
        actor=actor,
        request=http,
        date=date,
        audit=request,
    )


def audit_request_accept(
    *, staff=None, membership=None, request: AuditRequest, now: dt.datetime, http=None
) -> AuditRequest:
    """The platform accepts the tenant's date, or a tenant owner the platform's."""
    if (staff is None) == (membership is None):
        raise ValueError("Accepted by the platform's staff or by a tenant's member, not both.")
    if membership is not None:
        require_same_tenant(membership, request)
        actor, side = Actor.member(membership), "tenant"
        allowed = None if membership.can(Capability.AUDIT_REQUEST) else Refusal("not_allowed")
        waiting = AuditRequest.State.COUNTER_PROPOSED
    else:
        actor, side = Actor.platform_staff(staff.user), "platform"
        allowed, waiting = _staff_refusal(staff), AuditRequest.State.PROPOSED
    with transaction.atomic():
        audit = _locked(request)
        date = audit.counter_date if side == "tenant" else audit.proposed_date
        refusal = allowed or _state_refusal(audit, waiting)
        refusal = refusal or rules.acceptance_refusal(date, now=now, others=_others(audit))
        if refusal is None:
            audit.state = AuditRequest.State.ACCEPTED
            audit.agreed_date, audit.accepted_at = date, now
            audit.package_state = AuditRequest.Package.PREPARING
            fields = ["state", "agreed_date", "accepted_at", "package_state"]
            if staff is not None:
                audit.decided_by, audit.decided_at = staff, now
                fields += ["decided_by", "decided_at"]
            audit.save(update_fields=fields)
            _record(
                actions.AUDIT_REQUEST_ACCEPTED,
                audit,
                actor,
                http,
                {"agreed_date": date.isoformat(), "by": side},
            )
            tell_owners(audit, "accepted", date)
            if side == "tenant":
                _email(audit, "accepted", "dpo", date.isoformat())
            _build_package(audit.pk)
            return audit
    _refuse(
        refusal,
        "accept",
        tenant=request.tenant_id,
        actor=actor,
        request=http,
        date=date,
        audit=request,
    )


def audit_request_cancel(
    *, membership, request: AuditRequest, now: dt.datetime, http=None
) -> AuditRequest:
    """A tenant owner withdraws the request, at the latest the day before its audit."""
    require_same_tenant(membership, request)
    actor = Actor.member(membership)
    allowed = None if membership.can(Capability.AUDIT_REQUEST) else Refusal("not_allowed")
    with transaction.atomic():
        audit = _locked(request)
        refusal = allowed or _state_refusal(
            audit,
            AuditRequest.State.PROPOSED,
            AuditRequest.State.COUNTER_PROPOSED,
            AuditRequest.State.ACCEPTED,
        )
        # A held audit stays on record: cancelling it afterwards would free its year.
        if refusal is None and rules.audit_date(audit) <= rules.local_today(now):
            refusal = Refusal("already_held", {"date": rules.audit_date(audit).isoformat()})
        if refusal is None:
            audit.state, audit.cancelled_at = AuditRequest.State.CANCELLED, now
            audit.save(update_fields=["state", "cancelled_at"])
            _record(actions.AUDIT_REQUEST_CANCELLED, audit, actor, http, {})
            _email(audit, "cancelled", "dpo", now.isoformat())
            return audit
    _refuse(refusal, "cancel", tenant=request.tenant_id, actor=actor, request=http, audit=request)


# Helpers of the steps above.


def _lock_tenant(tenant_id) -> None:
    # Two owners filing at once must not both find the year free.
    Tenant.objects.select_for_update().filter(pk=tenant_id).first()


def _locked(audit: AuditRequest) -> AuditRequest:
    _lock_tenant(audit.tenant_id)
    return AuditRequest.objects.for_tenant(audit.tenant_id).select_for_update().get(pk=audit.pk)


def _others(audit: AuditRequest) -> list[AuditRequest]:
    return list(AuditRequest.objects.for_tenant(audit.tenant_id).exclude(pk=audit.pk))


def _staff_refusal(staff) -> Refusal | None:
    return None if staff.has_role(PlatformRole.DPO) else Refusal("not_allowed")


def _state_refusal(audit: AuditRequest, *states) -> Refusal | None:
    return None if audit.state in states else Refusal("wrong_state", {"state": audit.state})


def _record(action, audit, actor, request, metadata) -> None:
    record(
        action,
        tenant=audit.tenant_id,
        actor=actor,
        request=request,
        target=(TARGET, audit.pk),
        metadata=metadata,
    )


def _refuse(refusal, step, *, tenant, actor, request, date=None, audit=None):
    """Records the refusal (outside the rolled-back transaction) and raises it."""
    metadata = {"reason_code": refusal.code, "step": step}
    if date is not None:
        metadata["date"] = date.isoformat()
    record(
        actions.AUDIT_REQUEST_REFUSED,
        outcome="denied",
        tenant=tenant,
        actor=actor,
        request=request,
        target=(TARGET, audit.pk) if audit is not None else None,
        metadata=metadata,
    )
    raise AuditRequestRefused(refusal)


def audits_link(audit: AuditRequest) -> str:
    return reverse("web:audits") + f"#audit-{audit.pk}"


def tell_owners(audit: AuditRequest, outcome: str, date: dt.date) -> None:
    """An in-app notice (now) and an email (after commit) to the tenant's owners."""
    notice_post(
        tenant=audit.tenant,
        capability=Capability.AUDIT_REQUEST,
        kind=f"audit_request.{outcome}",
        link=audits_link(audit),
        params={"request": str(audit.pk), "date": date.isoformat()},
    )
    _email(audit, outcome, "owners", date.isoformat())


def _email(audit: AuditRequest, step: str, audience: str, key: str) -> None:
    from compliance.tasks import audit_request_email

    publish_after_commit(audit_request_email, audit.pk, step, audience, key)


def _build_package(audit_id) -> None:
    """After commit; a lost publish leaves the package not started, for the sweeper."""
    from compliance.tasks import build_audit_package

    publish_after_commit(build_audit_package, audit_id)


def audit_package_retry(*, request: AuditRequest) -> None:
    """Queues the package of an accepted request again after it failed."""
    _build_package(request.pk)
