"""Reminders to the platform's DPO: when a running request has used 50 %, then
90 %, of its 72 working hours, every active DPO gets an email, the console
lists the request under "needs attention" (from ``reminded_half_at`` /
``reminded_ninety_at``), and the request's history gets a REMINDED event.

Each reminder is sent once. The periodic task may overlap with itself (a slow
run, two beat processes): each request is handled in its own transaction under
``select_for_update(skip_locked=True)``, so a row another run is reminding
about is skipped, and the marks are read again under the lock before sending.
When both thresholds are crossed in one go (a request that was not seen for a
while), one reminder, the 90 % one, is sent and both marks are set: a 50 %
reminder after it would only be noise.
"""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from audit.recorder import Actor, record
from platform_staff.models import PlatformRole, PlatformStaff
from privacy import deadlines
from privacy.dsr.models import DataSubjectRequest, RequestEvent
from privacy.dsr.selectors import CLOCK, HALF, NINETY

logger = logging.getLogger(__name__)

ACTOR = "system:dsr_remind"


def dpos() -> list[PlatformStaff]:
    """The active platform people holding the DPO role."""
    staff = PlatformStaff.objects.select_related("user").filter(
        deactivated_at__isnull=True, user__is_active=True
    )
    return [person for person in staff if person.has_role(PlatformRole.DPO)]


def _candidates():
    """Ids of running requests not yet reminded at 90 % (served by dsr_state_due)."""
    return list(
        DataSubjectRequest.objects.dangerously_unscoped(
            reason="the DPO's reminders walk every tenant's open requests"
        )
        .filter(
            state__in=DataSubjectRequest.OPEN_STATES, paused=False, reminded_ninety_at__isnull=True
        )
        .values_list("pk", flat=True)
    )


def dsr_remind(*, now=None) -> int:
    """Sends the reminders due now; returns how many were sent. Safe to run concurrently."""
    now = now or timezone.now()
    people = dpos()
    sent = 0
    for dsr_id in _candidates():
        sent += _remind_one(dsr_id, people, now)
    return sent


def _remind_one(dsr_id, people, now) -> int:
    with transaction.atomic():
        dsr = (
            DataSubjectRequest.objects.dangerously_unscoped(reason="a reminder, by id of our row")
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("tenant")
            .filter(pk=dsr_id)
            .first()
        )
        if dsr is None or not dsr.is_open or dsr.paused:
            return 0  # locked by another run, or it moved on meanwhile
        events = RequestEvent.objects.for_tenant(dsr.tenant_id).filter(request=dsr, kind__in=CLOCK)
        clock = deadlines.deadline(
            [deadlines.ClockEvent(kind=e.kind, at=e.at) for e in events], now=now
        )
        used = clock.used_fraction
        if used >= NINETY and dsr.reminded_ninety_at is None:
            threshold = 90
            dsr.reminded_ninety_at = now
            dsr.reminded_half_at = dsr.reminded_half_at or now
        elif used >= HALF and dsr.reminded_half_at is None:
            threshold = 50
            dsr.reminded_half_at = now
        else:
            return 0
        dsr.save(update_fields=["reminded_half_at", "reminded_ninety_at"])
        RequestEvent.objects.create(
            tenant_id=dsr.tenant_id,
            request=dsr,
            kind=RequestEvent.Kind.REMINDED,
            at=now,
            actor=ACTOR,
            reason=f"{threshold} %",
        )
        record(
            "privacy.request_reminded",
            tenant=dsr.tenant_id,
            actor=Actor.system("dsr_remind"),
            target=("dsr", dsr.pk),
            metadata={"type": dsr.request_type, "threshold": threshold, "dpos": len(people)},
        )
        # Sent inside the transaction: a failed send rolls the marks back and the
        # next run tries again, rather than marking a reminder nobody received.
        context = {
            "dsr": dsr,
            "threshold": threshold,
            "due_at": clock.due_at,
            "remaining_hours": max(0, int(clock.remaining.total_seconds() // 3600)),
            "link": settings.PUBLIC_BASE_URL + reverse("platform:dsr", args=[dsr.pk]),
        }
        send_mass_mail([_message(p.user, context) for p in people], fail_silently=False)
    return 1


def _message(user, context: dict) -> tuple[str, str, None, list[str]]:
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        subject = render_to_string("dsr/email/reminder_subject.txt", context)
        body = render_to_string("dsr/email/reminder.txt", context)
    return (" ".join(subject.split()), body, None, [user.email])
