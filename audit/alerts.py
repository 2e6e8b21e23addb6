"""Raising, notifying and acknowledging security alerts.

One open alert per rule, subject and window: while a burst goes on, its alert
is extended (count, last event) rather than repeated, so nobody receives the
same email twenty times. Emails leave from a task after commit, one message
per recipient so that no one sees who else was told.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit import actions
from audit.models import AuditEvent, SecurityAlert
from audit.recorder import record
from instaply import rls
from instaply.publish import publish_after_commit

PLATFORM_SECURITY_GROUP = "platform_security"
ALERT_PERMISSION = "receive_security_alerts"


def raise_alert(
    *,
    rule: str,
    severity: str,
    tenant_id: uuid.UUID | None,
    subject: tuple[str, str],
    ip: str | None,
    summary: str,
    count: int,
    window: int,
    event: AuditEvent,
    per_ip: bool = False,
) -> SecurityAlert:
    """Creates the alert, or extends the open one for the same subject and window."""
    kind, subject_id = subject
    subject_key = f"{rule}|{tenant_id or '-'}|{kind}:{subject_id}"
    if per_ip:
        subject_key += f"|{ip}"
    with transaction.atomic():
        recent = (
            SecurityAlert.objects.dangerously_unscoped(
                reason="platform alerts have no tenant; subject_key names the tenant"
            )
            .select_for_update()
            .filter(
                subject_key=subject_key,
                acknowledged_at__isnull=True,
                last_event_at__gte=event.created_at - dt.timedelta(seconds=window),
            )
            .order_by("-last_event_at")
            .first()
        )
        if recent is not None:
            if count > recent.event_count or event.created_at > recent.last_event_at:
                recent.event_count = max(count, recent.event_count)
                if event.created_at > recent.last_event_at:
                    recent.last_event_at, recent.last_event_id = event.created_at, event.pk
                recent.save(update_fields=["event_count", "last_event_at", "last_event_id"])
            return recent
        # The bucket makes concurrent evaluations of one burst agree on one row.
        bucket = int(event.created_at.timestamp()) // window
        alert, created = SecurityAlert.objects.dangerously_unscoped(
            reason="dedup_key names the tenant (or the platform)"
        ).get_or_create(
            dedup_key=f"{subject_key}|{bucket}",
            acknowledged_at=None,
            defaults={
                "tenant_id": tenant_id,
                "rule": rule,
                "severity": severity,
                "summary": summary,
                "subject_kind": kind,
                "subject_id": subject_id,
                "subject_ip": ip,
                "subject_key": subject_key,
                "window_seconds": window,
                "event_count": count,
                "first_event_at": event.created_at,
                "last_event_at": event.created_at,
                "last_event_id": event.pk,
            },
        )
        if created:
            from audit.tasks import notify_alert

            publish_after_commit(notify_alert, alert.pk)
    return alert


def platform_security_users():
    """Active people allowed to receive every alert: platform staff with the
    security role, and staff users the platform_security group grants it to."""
    from django.contrib.auth.models import Permission

    from platform_staff.models import PlatformRole, PlatformStaff
    from tenants.models import User

    security_ids = [
        staff.user_id
        for staff in PlatformStaff.objects.filter(deactivated_at__isnull=True)
        if PlatformRole.SECURITY in staff.roles
    ]
    by_role = Q(pk__in=security_ids)
    permission = Permission.objects.filter(
        content_type__app_label="audit", codename=ALERT_PERMISSION
    ).first()
    by_group = (
        Q(is_staff=True) & (Q(groups__permissions=permission) | Q(user_permissions=permission))
        if permission is not None
        else Q(pk__in=[])
    )
    return User.objects.filter(is_active=True).filter(by_role | by_group).distinct()


def alert_recipients(alert: SecurityAlert) -> list[str]:
    """Platform security, plus the tenant's active owners and admins for a tenant alert."""
    from tenants.models import Membership, Role

    emails = set(platform_security_users().values_list("email", flat=True))
    if alert.tenant_id is not None:
        emails.update(
            Membership.objects.for_tenant(alert.tenant_id)
            .filter(
                role__in=(Role.OWNER, Role.ADMIN), revoked_at__isnull=True, user__is_active=True
            )
            .values_list("user__email", flat=True)
        )
    return sorted(emails)


def alert_notify(*, alert_id) -> bool:
    """Emails the alert once; False when already sent (or gone).

    An alert may be the platform's (no tenant): marking it sent is platform work
    for row-level security, unaudited as such, the alert's mark being its record.
    """
    with rls.platform_work("a security alert's email", audited=False), transaction.atomic():
        alert = (
            SecurityAlert.objects.dangerously_unscoped(reason="task by id of an alert we raised")
            .select_for_update()
            .filter(pk=alert_id)
            .first()
        )
        if alert is None or alert.notified_at is not None:
            return False
        subject = f"Instaply security alert: {alert.get_rule_display()}"
        body = (
            f"{alert.summary}\n\n"
            f"Severity: {alert.get_severity_display()}\n"
            f"First event: {alert.first_event_at:%Y-%m-%d %H:%M:%S} UTC\n"
            f"Alert: {alert.pk}\n\n"
            "Review it with the security alerts of your Instaply workspace "
            f"({settings.PUBLIC_BASE_URL}).\n"
        )
        send_mass_mail(
            [(subject, body, None, [email]) for email in alert_recipients(alert)],
            fail_silently=False,
        )
        alert.notified_at = timezone.now()
        alert.save(update_fields=["notified_at"])
    return True


@transaction.atomic
def alert_acknowledge(*, alert: SecurityAlert, request) -> SecurityAlert:
    """Marks the alert handled; acknowledging again changes nothing."""
    alert = SecurityAlert.objects.for_tenant(alert.tenant_id).select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = request.user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record(
            actions.SECURITY_ALERT_ACKNOWLEDGED,
            request=request,
            target=("security_alert", alert.pk),
            metadata={"rule": alert.rule},
        )
    return alert
