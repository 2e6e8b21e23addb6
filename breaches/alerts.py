"""Alerts to platform security while breach notices are not sent: at awareness
+ 12 h and + 20 h, every active security person gets one email per incident
naming it, how many tenants still wait and the time left; the console shows
the marks (``alerted_12_at`` / ``alerted_20_at``).

Each alert is sent once per notice. The periodic task may overlap with itself
(a slow run, two beat processes): an incident's notices are locked with
``select_for_update(skip_locked=True)``, so notices another run is alerting
about (or security is sending) are skipped, and the marks are read again
under the lock. When both thresholds are crossed in one go (the task did not
run for hours), one alert, the 20 h one, is sent and both marks are set.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import actions
from audit.recorder import Actor, record
from breaches.models import BreachNotice, Incident
from platform_staff.emails import email_message
from platform_staff.models import PlatformRole, PlatformStaff

ACTOR = Actor.system("breach_alerts")


def security_people() -> list[PlatformStaff]:
    """The active platform people holding the security role."""
    staff = PlatformStaff.objects.select_related("user").filter(
        deactivated_at__isnull=True, user__is_active=True
    )
    return [person for person in staff if person.has_role(PlatformRole.SECURITY)]


def _thresholds() -> tuple[int, int]:
    first, last = settings.BREACH_ALERT_HOURS
    return first, last


def _candidates(now: dt.datetime) -> list:
    """Incidents with an unsent notice past the first threshold and not yet
    alerted at the last one (served by breach_notice_unsent_due)."""
    first, _ = _thresholds()
    # deadline_at = aware_at + BREACH_NOTICE_HOURS, so the first threshold is
    # crossed when deadline_at <= now + (BREACH_NOTICE_HOURS - first) hours.
    horizon = now + dt.timedelta(hours=settings.BREACH_NOTICE_HOURS - first)
    return list(
        BreachNotice.objects.dangerously_unscoped(
            reason="security's alerts walk the unsent notices of every tenant"
        )
        .filter(sent_at__isnull=True, alerted_20_at__isnull=True, deadline_at__lte=horizon)
        .values_list("incident_id", flat=True)
        .distinct()
    )


def alert_unsent(*, now: dt.datetime | None = None) -> int:
    """Sends the alerts due now; returns how many incidents were alerted about."""
    now = now or timezone.now()
    people = security_people()
    return sum(_alert_incident(incident_id, people, now) for incident_id in _candidates(now))


def _alert_incident(incident_id, people, now) -> int:
    first, last = _thresholds()
    with transaction.atomic():
        incident = Incident.objects.filter(pk=incident_id).first()
        if incident is None:
            return 0
        notices = list(
            BreachNotice.objects.dangerously_unscoped(reason="an alert, by incident of our rows")
            .select_for_update(skip_locked=True, of=("self",))
            .filter(incident=incident, sent_at__isnull=True, alerted_20_at__isnull=True)
            .order_by("pk")
        )
        elapsed = now - incident.aware_at
        if elapsed >= dt.timedelta(hours=last):
            threshold, due = last, notices
        elif elapsed >= dt.timedelta(hours=first):
            threshold, due = first, [n for n in notices if n.alerted_12_at is None]
        else:
            return 0
        if not due:
            return 0  # alerted already, or locked by another run or a sending
        for notice in due:
            if threshold == last:
                notice.alerted_20_at = now
                notice.alerted_12_at = notice.alerted_12_at or now
            else:
                notice.alerted_12_at = now
            notice.save(update_fields=["alerted_12_at", "alerted_20_at"])
            record(
                actions.BREACH_NOTICE_ALERTED,
                # Platform-level: the tenant learns of the incident from the notice.
                actor=ACTOR,
                target=("breach_notice", notice.pk),
                metadata={
                    "incident": str(incident.pk),
                    "reference": incident.reference,
                    "tenant_id": str(notice.tenant_id),
                    "threshold": threshold,
                    "security": len(people),
                },
            )
        left = incident.deadline - now
        context = {
            "incident": incident,
            "threshold": threshold,
            "tenants": len(due),
            "deadline": incident.deadline,
            "hours_left": max(0, int(left.total_seconds() // 3600)),
            "minutes_left": max(0, int(left.total_seconds() // 60) % 60),
            "link": settings.PUBLIC_BASE_URL
            + reverse("platform:incident-notices", kwargs={"incident_id": incident.pk}),
        }
        # Sent inside the transaction: a failed send rolls the marks back and the
        # next run tries again, rather than marking an alert nobody received.
        send_mass_mail(
            [email_message("alert", p.user, context, folder="breaches/email") for p in people],
            fail_silently=False,
        )
    return 1
