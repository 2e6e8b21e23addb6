"""Rules over the event stream. Each reads the events around one new event and
may raise a SecurityAlert.

Windows are anchored at the event's own time, and counts come from the table,
so evaluating an event twice gives the same answer: the task that runs these
can be retried safely. Thresholds are settings (docs/audit-log.md).
"""

import datetime as dt

from django.conf import settings

from audit import actions
from audit.alerts import raise_alert
from audit.models import AuditEvent, SecurityAlert
from audit.tasks import evaluate_event
from instaply import rls
from instaply.publish import publish_after_commit

Rule = SecurityAlert.Rule
Severity = SecurityAlert.Severity


def event_recorded(event: AuditEvent) -> None:
    """Listens to audit.recorder (see audit.apps): queues the rules after commit,
    for the few actions they watch."""
    if actions.is_watched(event.action):
        # A lost publish fails nothing; the next watched event of the burst counts
        # the table again (instaply/sweeper.py, NOT_SWEPT).
        publish_after_commit(evaluate_event, event.pk)


def evaluate(event: AuditEvent) -> list[SecurityAlert]:
    """Every alert this event raised or extended.

    The rules count events across tenants and raise platform alerts: platform
    work for row-level security, not audited as such (a bypass event would be
    evaluated in turn); the alerts it raises are its record.
    """
    with rls.platform_work("security alert rules over the audit log", audited=False):
        return _evaluate(event)


def _evaluate(event: AuditEvent) -> list[SecurityAlert]:
    alerts = []
    if event.action in actions.LOGIN_FAILURES:
        alerts += failed_logins(event)
    elif event.action == actions.ACCESS_DENIED:
        alerts += access_denials(event)
    elif event.action == actions.PLATFORM_ACCESS_DENIED:
        alerts += platform_denials(event)
    elif event.action == actions.AUTH_LOGIN_SUCCEEDED:
        # One read of the person's workspaces serves both sign-in rules.
        tenant_ids = _owned_or_run(event)
        alerts += new_login_ip(event, tenant_ids)
        alerts += new_login_place_or_device(event, tenant_ids)
    elif event.action.endswith(actions.EXPORT_SUFFIX):
        alerts += export_volume(event)
    elif event.action == actions.PERSONAL_DATA_UNREADABLE:
        alerts += unreadable_data(event)
    return alerts


def _window(event: AuditEvent, seconds: int):
    """Events of the window that ends with this one."""
    start = event.created_at - dt.timedelta(seconds=seconds)
    return AuditEvent.objects.dangerously_unscoped(
        reason="alert rules count sign-in failures across tenants (one IP, many accounts)"
    ).filter(created_at__gt=start, created_at__lte=event.created_at)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "1 hour" if hours == 1 else f"{hours} hours"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"


def failed_logins(event: AuditEvent) -> list[SecurityAlert]:
    """Too many failed sign-ins (password or second factor) from one IP address,
    across every tenant, or against one account."""
    threshold, seconds = settings.SECURITY_ALERT_FAILED_LOGINS
    failures = _window(event, seconds).filter(action__in=actions.LOGIN_FAILURES)
    alerts = []
    if event.ip:
        # Index: audit_login_fail_ip (ip, created_at), partial on login failures.
        count = failures.filter(ip=event.ip).count()
        if count >= threshold:
            alerts.append(
                raise_alert(
                    rule=Rule.FAILED_LOGINS,
                    severity=Severity.HIGH,
                    tenant_id=None,
                    subject=("ip", event.ip),
                    ip=event.ip,
                    summary=f"{count} failed sign-ins from one IP address within "
                    f"{_duration(seconds)}.",
                    count=count,
                    window=seconds,
                    event=event,
                )
            )
    if event.target_kind == "user" and event.target_id:
        # Index: audit_login_fail_target (target_id, created_at).
        count = failures.filter(target_kind="user", target_id=event.target_id).count()
        if count >= threshold:
            alerts.append(
                raise_alert(
                    rule=Rule.FAILED_LOGINS,
                    severity=Severity.HIGH,
                    tenant_id=event.tenant_id,
                    subject=("user", event.target_id),
                    ip=event.ip,
                    summary=f"{count} failed sign-ins against one account within "
                    f"{_duration(seconds)}.",
                    count=count,
                    window=seconds,
                    event=event,
                )
            )
    return alerts


def access_denials(event: AuditEvent) -> list[SecurityAlert]:
    """A member refused again and again: guessing ids or probing for privileges."""
    if event.tenant_id is None or event.actor_member_id is None:
        return []
    threshold, seconds = settings.SECURITY_ALERT_ACCESS_DENIALS
    # Index: audit_denied_member (tenant, actor_member_id, created_at), partial.
    count = (
        _window(event, seconds)
        .filter(
            tenant_id=event.tenant_id,
            action=actions.ACCESS_DENIED,
            actor_member_id=event.actor_member_id,
        )
        .count()
    )
    if count < threshold:
        return []
    return [
        raise_alert(
            rule=Rule.ACCESS_DENIALS,
            severity=Severity.HIGH,
            tenant_id=event.tenant_id,
            subject=("member", str(event.actor_member_id)),
            ip=event.ip,
            summary=f"A member was refused access {count} times within {_duration(seconds)}.",
            count=count,
            window=seconds,
            event=event,
        )
    ]


def platform_denials(event: AuditEvent) -> list[SecurityAlert]:
    """A platform person refused again and again, in any tenants: reaching for
    content no grant covers. The alert is the platform's: security reviews it."""
    if event.actor_kind != "platform_staff":
        return []
    threshold, seconds = settings.SECURITY_ALERT_PLATFORM_DENIALS
    count = (
        _window(event, seconds)
        .filter(
            action=actions.PLATFORM_ACCESS_DENIED,
            actor_kind="platform_staff",
            actor_id=event.actor_id,
        )
        .count()
    )
    if count < threshold:
        return []
    return [
        raise_alert(
            rule=Rule.PLATFORM_DENIALS,
            severity=Severity.HIGH,
            tenant_id=None,
            subject=("platform_staff", event.actor_id),
            ip=event.ip,
            summary=(
                f"A platform person was refused tenant content {count} times "
                f"within {_duration(seconds)}."
            ),
            count=count,
            window=seconds,
            event=event,
        )
    ]


def export_volume(event: AuditEvent) -> list[SecurityAlert]:
    """More exports from one tenant than it usually makes: data leaving in bulk."""
    if event.tenant_id is None:
        return []
    threshold, seconds = settings.SECURITY_ALERT_EXPORTS
    # Index: audit_tenant_time (tenant, created_at, id).
    count = (
        _window(event, seconds)
        .filter(tenant_id=event.tenant_id, action__endswith=actions.EXPORT_SUFFIX)
        .count()
    )
    if count < threshold:
        return []
    return [
        raise_alert(
            rule=Rule.EXPORT_VOLUME,
            severity=Severity.HIGH,
            tenant_id=event.tenant_id,
            subject=("tenant", str(event.tenant_id)),
            ip=event.ip,
            summary=f"{count} exports within {_duration(seconds)}.",
            count=count,
            window=seconds,
            event=event,
        )
    ]


def new_login_ip(event: AuditEvent, tenant_ids: list) -> list[SecurityAlert]:
    """An owner or admin signed in from an address never seen for them.

    Their very first sign-in sets the baseline and raises nothing.
    """
    if event.outcome != AuditEvent.Outcome.SUCCESS or not event.ip or not tenant_ids:
        return []
    # Index: audit_login_ok_actor (actor_id, ip), partial on successful sign-ins.
    earlier = (
        AuditEvent.objects.dangerously_unscoped(
            reason="a person's sign-ins are platform events, not one tenant's"
        )
        .filter(
            action=actions.AUTH_LOGIN_SUCCEEDED,
            outcome=AuditEvent.Outcome.SUCCESS,
            actor_kind=event.actor_kind,
            actor_id=event.actor_id,
            created_at__lte=event.created_at,
        )
        .exclude(pk=event.pk)
    )
    if not earlier.exists() or earlier.filter(ip=event.ip).exists():
        return []
    seconds = settings.SECURITY_ALERT_NEW_LOGIN_IP_WINDOW
    return [
        raise_alert(
            rule=Rule.NEW_LOGIN_IP,
            severity=Severity.MEDIUM,
            tenant_id=tenant_id,
            subject=("user", event.actor_id),
            ip=event.ip,
            summary="An owner or admin signed in from an IP address never seen for them.",
            count=1,
            per_ip=True,
            window=seconds,
            event=event,
        )
        for tenant_id in sorted(tenant_ids, key=str)
    ]


def _owned_or_run(event: AuditEvent) -> list:
    """The workspaces where the person who signed in is an active owner or admin."""
    from tenants.models import Membership, Role

    if event.actor_kind not in ("user", "platform_staff") or not event.actor_id:
        return []
    return list(
        Membership.objects.dangerously_unscoped(reason="every workspace this person owns or runs")
        .filter(
            user_id=event.actor_id,
            role__in=(Role.OWNER, Role.ADMIN),
            revoked_at__isnull=True,
            user__is_active=True,
        )
        .values_list("tenant_id", flat=True)
    )


# Rule, what is new, the alert's summary.
_NOVELTIES = (
    (
        Rule.NEW_LOGIN_COUNTRY,
        "country",
        "An owner or admin signed in from a country never seen for them.",
    ),
    (
        Rule.NEW_LOGIN_DEVICE,
        "device",
        "An owner or admin signed in with a browser and system never seen for them.",
    ),
)


def new_login_place_or_device(event: AuditEvent, tenant_ids: list) -> list[SecurityAlert]:
    """An owner or admin signed in from a country, or with a device (browser and OS
    family), absent from their earlier sessions (analytics.login_data). Their first
    session sets the baseline and raises nothing."""
    from analytics.login_data.selectors import sign_in_novelty

    if event.outcome != AuditEvent.Outcome.SUCCESS or not tenant_ids:
        return []
    novelty = sign_in_novelty(user_id=event.actor_id, at=event.created_at)
    return [
        raise_alert(
            rule=rule,
            severity=Severity.MEDIUM,
            tenant_id=tenant_id,
            subject=("user", event.actor_id),
            ip=event.ip,
            summary=summary,
            count=1,
            window=settings.SECURITY_ALERT_NEW_LOGIN_IP_WINDOW,
            event=event,
        )
        for rule, kind, summary in _NOVELTIES
        if novelty[kind]
        for tenant_id in sorted(tenant_ids, key=str)
    ]


UNREADABLE_WINDOW = 24 * 3600


def unreadable_data(event: AuditEvent) -> list[SecurityAlert]:
    """A stored value that does not decrypt: its bytes were altered, or it was
    copied from another row. One alert per row, however often it is read again."""
    if event.tenant_id is None or not event.target_id:
        return []
    earlier = (
        SecurityAlert.objects.for_tenant(event.tenant_id)
        .filter(
            rule=Rule.UNREADABLE_DATA,
            subject_kind=event.target_kind,
            subject_id=event.target_id,
        )
        .first()
    )
    if earlier is not None:
        return [earlier]
    return [
        raise_alert(
            rule=Rule.UNREADABLE_DATA,
            severity=Severity.HIGH,
            tenant_id=event.tenant_id,
            subject=(event.target_kind, event.target_id),
            ip=event.ip,
            summary=f"A stored {event.target_kind} does not decrypt: its bytes were altered "
            "or copied from another row. It is shown as unreadable.",
            count=1,
            window=UNREADABLE_WINDOW,
            event=event,
        )
    ]
