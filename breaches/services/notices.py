"""Sending breach notices to affected tenants, their follow-up updates, and the
tenant's acknowledgement.

A notice is pending until platform security sends it; sending fixes who is told
(the tenant's active owners and privacy members, by membership id), posts the
in-app notice that owners, admins and privacy members see, and queues the
emails after commit. Follow-up updates reach exactly the people the notice
reached (still active): a member who joined later reads them in the app, by
the notice page, not by email. Every step is one transaction with its audit
event; sending, updating and acknowledging twice does it once.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.urls import reverse

from audit import actions
from audit.recorder import Actor, record
from breaches.models import BreachNotice, Incident, IncidentUpdate
from instaply.errors import Forbidden, Invalid, NotFound
from instaply.publish import publish_after_commit
from platform_staff.models import PlatformRole, PlatformStaff
from tenants.models import Membership
from tenants.permissions import Capability
from tenants.scoping import require_same_tenant
from tenants.services.notices import notice_post

LATE_REASON_MAX = 2000
FACTS_MAX = 5000


def _check_security(staff: PlatformStaff | None) -> None:
    if staff is None or not staff.has_role(PlatformRole.SECURITY):
        raise Forbidden("Only platform security sends breach notices.")


def notice_link(notice: BreachNotice) -> str:
    return reverse("web:breach-notice", kwargs={"breach_notice_id": notice.pk})


def notice_recipients(tenant_id) -> list[Membership]:
    """Who a notice is sent to: the tenant's active owners and privacy members."""
    members = (
        Membership.objects.for_tenant(tenant_id)
        .filter(revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .order_by("created_at")
    )
    return [m for m in members if m.can(Capability.BREACH_ACKNOWLEDGE)]


def _late_reason(notice: BreachNotice, now: dt.datetime, late_reason: str) -> tuple[int, str]:
    """(late_seconds, reason) for a notice sent after its deadline, else (None, "")."""
    if now <= notice.deadline_at:
        return None, ""
    reason = (late_reason or "").strip()
    if not reason:
        raise Invalid(
            "The 24-hour deadline has passed: say why the notice is sent late.",
            fields={"late_reason": "required"},
        )
    if len(reason) > LATE_REASON_MAX:
        raise Invalid(
            f"Keep the reason under {LATE_REASON_MAX} characters.",
            fields={"late_reason": "too long"},
        )
    return int((now - notice.deadline_at).total_seconds()), reason


def _locked(notice_id) -> BreachNotice:
    notice = (
        BreachNotice.objects.dangerously_unscoped(reason="security sends a notice by its id")
        .select_for_update(of=("self",))
        .select_related("incident", "tenant")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotFound("No breach notice with this id.")
    return notice


def _send_locked(notice: BreachNotice, *, staff, now, late_reason) -> bool:
    """Sends a notice already locked; False when it was sent before."""
    if notice.sent_at is not None:
        return False
    late_seconds, reason = _late_reason(notice, now, late_reason)
    recipients = notice_recipients(notice.tenant_id)
    notice.sent_at = now
    notice.sent_by = staff
    notice.late_seconds = late_seconds
    notice.late_reason = reason
    notice.recipients = [str(m.pk) for m in recipients]
    notice.save(update_fields=["sent_at", "sent_by", "late_seconds", "late_reason", "recipients"])
    notice_post(
        tenant=notice.tenant,
        capability=Capability.AUDIT_EXPORT,
        kind="breach.notice_sent",
        link=notice_link(notice),
        params={"notice": str(notice.pk), "reference": notice.incident.reference},
    )
    record(
        actions.BREACH_NOTICE_SENT,
        tenant=notice.tenant_id,
        actor=Actor.platform_staff(staff.user),
        target=("breach_notice", notice.pk),
        metadata={
            "incident": str(notice.incident_id),
            "reference": notice.incident.reference,
            "staff": str(staff.pk),
            "recipients": len(recipients),
            "late_seconds": late_seconds,
            "late": late_seconds is not None,
        },
    )
    from breaches import tasks

    # A lost publish leaves the notice unemailed, for the sweeper (it emails once).
    publish_after_commit(tasks.email_notice, notice.pk)
    return True


def notice_send(
    *, notice: BreachNotice, staff: PlatformStaff, now: dt.datetime, late_reason: str = ""
) -> BreachNotice:
    """Sends one pending notice (idempotent: a sent notice is returned as it is).

    After the deadline a reason is required; the notice records it and by how
    many seconds it was late.
    """
    _check_security(staff)
    with transaction.atomic():
        locked = _locked(notice.pk)
        _send_locked(locked, staff=staff, now=now, late_reason=late_reason)
    return locked


def notices_send_pending(
    *, incident: Incident, staff: PlatformStaff, now: dt.datetime, late_reason: str = ""
) -> int:
    """Sends every pending notice of an incident ("send all"); returns how many.

    All or nothing: when one of them is late and no reason is given, none is sent.
    """
    _check_security(staff)
    with transaction.atomic():
        pending = list(
            BreachNotice.objects.dangerously_unscoped(
                reason="security sends an incident's notices to every affected tenant"
            )
            .select_for_update(of=("self",))
            .select_related("incident", "tenant")
            .filter(incident=incident, sent_at__isnull=True)
            .order_by("deadline_at", "pk")
        )
        return sum(
            _send_locked(notice, staff=staff, now=now, late_reason=late_reason)
            for notice in pending
        )


def incident_update_add(
    *, incident: Incident, staff: PlatformStaff, facts: str, now: dt.datetime
) -> IncidentUpdate:
    """Adds the next numbered update; every tenant already sent a notice gets it
    (in the app now, by email after commit); pending notices carry it when sent."""
    _check_security(staff)
    facts = (facts or "").strip()
    if not facts:
        raise Invalid("Give the new facts.", fields={"facts": "required"})
    if len(facts) > FACTS_MAX:
        raise Invalid(f"Keep the facts under {FACTS_MAX} characters.", fields={"facts": "too long"})
    with transaction.atomic():
        # The incident's row is the lock that numbers its updates one at a time.
        Incident.objects.select_for_update().filter(pk=incident.pk).first()
        last = IncidentUpdate.objects.filter(incident=incident).aggregate(n=Max("number"))["n"]
        update = IncidentUpdate.objects.create(
            incident=incident, number=(last or 0) + 1, facts=facts, added_at=now, added_by=staff
        )
        sent = list(
            BreachNotice.objects.dangerously_unscoped(
                reason="an incident's update goes to every tenant already told"
            )
            .filter(incident=incident, sent_at__isnull=False)
            .select_related("tenant")
        )
        for notice in sent:
            notice_post(
                tenant=notice.tenant,
                capability=Capability.AUDIT_EXPORT,
                kind="breach.notice_updated",
                link=notice_link(notice),
                params={
                    "notice": str(notice.pk),
                    "reference": incident.reference,
                    "number": update.number,
                },
            )
        record(
            actions.INCIDENT_UPDATED,
            actor=Actor.platform_staff(staff.user),
            target=("incident", incident.pk),
            metadata={
                "reference": incident.reference,
                "number": update.number,
                "staff": str(staff.pk),
                "notices_sent": len(sent),
            },
        )
        from breaches import tasks

        for notice in sent:
            publish_after_commit(tasks.email_update, notice.pk, update.pk)
    return update


def notice_acknowledge(
    *, membership: Membership, notice: BreachNotice, now: dt.datetime, request=None
) -> BreachNotice:
    """An owner or privacy member acknowledges a sent notice: the banner goes for
    the whole tenant. Idempotent: the first acknowledgement stands."""
    require_same_tenant(membership, notice)
    if not membership.can(Capability.BREACH_ACKNOWLEDGE):
        raise Forbidden("Only the workspace's owners and privacy members acknowledge notices.")
    with transaction.atomic():
        locked = (
            BreachNotice.objects.for_tenant(membership.tenant_id)
            .select_for_update(of=("self",))
            .select_related("incident")
            .filter(pk=notice.pk, sent_at__isnull=False)
            .first()
        )
        if locked is None:
            raise NotFound("No breach notice with this id.")
        if locked.acknowledged_at is not None:
            return locked
        locked.acknowledged_at = now
        locked.acknowledged_by = membership
        locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record(
            actions.BREACH_NOTICE_ACKNOWLEDGED,
            request=request,
            tenant=membership.tenant_id,
            actor=Actor.member(membership),
            target=("breach_notice", locked.pk),
            metadata={"incident": str(locked.incident_id), "reference": locked.incident.reference},
        )
    return locked
