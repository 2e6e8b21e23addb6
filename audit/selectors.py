"""Reads of the audit log and of security alerts, always inside one tenant."""

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from audit.models import AuditEvent, AuditSeal, SecurityAlert
from instaply.errors import Invalid
from tenants.scoping import tenant_get

EXPORT_PAGE = 1000
_ACTION_FILTER = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$")
_ACTOR_KIND = re.compile(r"^[a-z_]{1,16}$")


@dataclass(frozen=True)
class ExportFilters:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    actor: str = ""
    action: str = ""
    after_seq: int | None = None


def audit_event_filter(*, tenant, filters: ExportFilters) -> QuerySet[AuditEvent]:
    """The tenant's events matching the filters; raises Invalid for a malformed one."""
    events = AuditEvent.objects.for_tenant(tenant)
    if filters.since and filters.until and filters.since > filters.until:
        raise Invalid("since must be before until.", fields={"since": ["After until."]})
    if filters.since:
        events = events.filter(created_at__gte=filters.since)
    if filters.until:
        events = events.filter(created_at__lt=filters.until)
    if filters.action:
        if not _ACTION_FILTER.match(filters.action):
            raise Invalid(
                "Unknown action filter.",
                fields={"action": ["An action such as auth.login.failed, or a prefix: auth.*"]},
            )
        if filters.action.endswith(".*"):
            events = events.filter(action__startswith=filters.action[:-1])
        else:
            events = events.filter(action=filters.action)
    if filters.actor:
        events = events.filter(_actor_filter(filters.actor))
    if filters.after_seq is not None:
        events = events.filter(seal__tenant_seq__gt=filters.after_seq)
    return events


def _actor_filter(value: str) -> Q:
    """A member id (their own actions and their tokens'), or kind:id exactly."""
    kind, sep, ident = value.partition(":")
    if not sep:
        try:
            return Q(actor_member_id=uuid.UUID(value))
        except ValueError:
            pass
    elif _ACTOR_KIND.match(kind) and ident and len(ident) <= 64:
        return Q(actor_kind=kind, actor_id=ident)
    raise Invalid(
        "Unknown actor filter.",
        fields={"actor": ["A member id, or kind:id such as api_token:<id> or system:retention."]},
    )


def audit_event_export(*, tenant, filters: ExportFilters) -> Iterator[AuditEvent]:
    """Streams matching events page by page (keyset), each with its seal if sealed.

    Ordered by creation time; with ``after_seq``, by the tenant's chain order.
    """
    events = audit_event_filter(tenant=tenant, filters=filters).select_related("seal")
    if filters.after_seq is not None:
        yield from _pages_by_seq(events)
    else:
        yield from _pages_by_time(events)


def _pages_by_time(events: QuerySet[AuditEvent]) -> Iterator[AuditEvent]:
    # Index: audit_tenant_time (tenant, created_at, id).
    events = events.order_by("created_at", "id")
    last = None
    while True:
        page = events
        if last is not None:
            page = page.filter(
                Q(created_at__gt=last.created_at) | Q(created_at=last.created_at, id__gt=last.id)
            )
        batch = list(page[:EXPORT_PAGE])
        yield from batch
        if len(batch) < EXPORT_PAGE:
            return
        last = batch[-1]


def _pages_by_seq(events: QuerySet[AuditEvent]) -> Iterator[AuditEvent]:
    # Index: seal_tenant_seq (tenant_id, tenant_seq).
    events = events.order_by("seal__tenant_seq")
    last_seq = None
    while True:
        page = events if last_seq is None else events.filter(seal__tenant_seq__gt=last_seq)
        batch = list(page[:EXPORT_PAGE])
        yield from batch
        if len(batch) < EXPORT_PAGE:
            return
        last_seq = batch[-1].seal.tenant_seq


def seal_of(event: AuditEvent) -> AuditSeal | None:
    try:
        return event.seal
    except AuditSeal.DoesNotExist:
        return None


def security_alert_list(*, tenant, open_only: bool = False) -> QuerySet[SecurityAlert]:
    # Index: alert_tenant_created (tenant, -created_at).
    alerts = SecurityAlert.objects.for_tenant(tenant)
    if open_only:
        alerts = alerts.filter(acknowledged_at__isnull=True)
    return alerts.order_by("-created_at", "-id")


def security_alert_get(*, tenant, id) -> SecurityAlert:
    return tenant_get(SecurityAlert, tenant=tenant, id=id, what="security alert")
