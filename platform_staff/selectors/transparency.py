"""The tenant's access-transparency record, read from the audit log itself.

The page and its CSV are built from ``AuditEvent`` rows, never from
``AccessGrant``: the grant rows are the platform's working state, the events
are the evidence, and a tenant auditing us must read the evidence.
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from audit.models import AuditEvent
from instaply.api import cursors
from platform_staff.models import PlatformStaff
from tenants.models import Membership, Tenant, User

# Every event about platform access to a tenant (platform_staff.services.grants
# and platform_staff.access). Named one by one rather than by a "platform."
# prefix: other platform events (the disclosure register) may name the tenant
# in the log without being the tenant's to read here.
ACTIONS = (
    "platform.access_requested",
    "platform.access_approved",
    "platform.access_denied_by_tenant",
    "platform.access_revoked",
    "platform.access_expired",
    "platform.access",
    "platform.access_denied",
)
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class TransparencyFilters:
    grant: uuid.UUID | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass
class TransparencyRow:
    """One event as the page and the CSV show it."""

    id: uuid.UUID
    at: dt.datetime
    action: str
    outcome: str
    actor_kind: str
    actor_name: str
    actor_email: str
    # A tenant role for members, platform roles (comma-separated) for platform staff.
    actor_role: str
    staff_name: str
    staff_email: str
    staff_role: str
    country: str
    transfer: bool | None
    grant: str
    target_kind: str
    target_id: str
    read: str
    reason_code: str
    denial: str
    scope: str
    hours: object
    narrowed: object


def transparency_events(*, tenant: Tenant, filters: TransparencyFilters) -> QuerySet[AuditEvent]:
    # Index: audit_tenant_action_no_read (tenant, action, created_at); its
    # condition (not a personal-data read) follows from the action list.
    events = AuditEvent.objects.for_tenant(tenant).filter(action__in=ACTIONS)
    if filters.grant:
        events = events.filter(metadata__grant=str(filters.grant))
    if filters.since:
        events = events.filter(created_at__gte=filters.since)
    if filters.until:
        events = events.filter(created_at__lt=filters.until)
    return events


def transparency_page(
    *, tenant: Tenant, filters: TransparencyFilters, cursor: str | None = None, limit: int = 50
) -> tuple[list[TransparencyRow], str | None]:
    """Newest first, a keyset page at a time; the cursor names the last row shown."""
    events = transparency_events(tenant=tenant, filters=filters)
    if cursor:
        at, last_id = cursors.decode(cursor, dt.datetime, uuid.UUID)
        events = events.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=last_id))
    page = list(events.order_by("-created_at", "-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    following = cursors.encode(page[-1].created_at, page[-1].id) if more and page else None
    return transparency_rows(tenant=tenant, events=page), following


def transparency_export(
    *, tenant: Tenant, filters: TransparencyFilters
) -> Iterator[TransparencyRow]:
    """Every matching event, oldest first, in keyset batches."""
    events = transparency_events(tenant=tenant, filters=filters).order_by("created_at", "id")
    last = None
    while True:
        batch = events
        if last is not None:
            batch = batch.filter(
                Q(created_at__gt=last.created_at) | Q(created_at=last.created_at, id__gt=last.id)
            )
        batch = list(batch[:EXPORT_BATCH])
        yield from transparency_rows(tenant=tenant, events=batch)
        if len(batch) < EXPORT_BATCH:
            return
        last = batch[-1]


def transparency_rows(*, tenant: Tenant, events: list[AuditEvent]) -> list[TransparencyRow]:
    """Resolves who acted (platform people, members) in three queries for the lot."""
    staff_ids = {_uuid(e.metadata.get("staff")) for e in events} - {None}
    staff = {s.pk: s for s in PlatformStaff.objects.filter(pk__in=staff_ids).select_related("user")}
    staff_by_user = {s.user_id: s for s in staff.values()}
    user_ids = (
        {_uuid(e.actor_id) for e in events if e.actor_kind == "platform_staff"}
        - {None}
        - set(staff_by_user)
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    member_ids = {e.actor_member_id for e in events if e.actor_member_id}
    members = {
        m.pk: m
        for m in Membership.objects.for_tenant(tenant)
        .filter(pk__in=member_ids)
        .select_related("user")
    }
    return [_row(e, staff, staff_by_user, users, members) for e in events]


def _row(event, staff, staff_by_user, users, members) -> TransparencyRow:
    meta = event.metadata or {}
    person = staff.get(_uuid(meta.get("staff")))
    actor_name = actor_email = actor_role = ""
    if event.actor_kind == "platform_staff":
        actor = staff_by_user.get(_uuid(event.actor_id))
        user = actor.user if actor else users.get(_uuid(event.actor_id))
        if user is not None:
            actor_name, actor_email = user.get_full_name(), user.email
        actor_role = meta.get("roles") or meta.get("role") or ""
    elif event.actor_member_id in members:
        member = members[event.actor_member_id]
        actor_name, actor_email = member.user.get_full_name(), member.user.email
        actor_role = member.role
    elif event.actor_kind == "system":
        actor_name = event.actor_id
    transfer = meta.get("transfer")
    return TransparencyRow(
        id=event.id,
        at=event.created_at,
        action=event.action,
        outcome=event.outcome,
        actor_kind=event.actor_kind,
        actor_name=actor_name,
        actor_email=actor_email,
        actor_role=actor_role,
        staff_name=person.user.get_full_name() if person else "",
        staff_email=person.user.email if person else "",
        staff_role=meta.get("role") or meta.get("roles") or "",
        country=meta.get("country") or "",
        transfer=transfer if isinstance(transfer, bool) else None,
        grant=meta.get("grant") or "",
        target_kind=event.target_kind,
        target_id=event.target_id,
        read=meta.get("read") or "",
        reason_code=meta.get("reason_code") or "",
        denial=meta.get("reason") or "",
        scope=meta.get("scope") or "",
        hours=meta.get("hours"),
        narrowed=meta.get("narrowed"),
    )


def _uuid(value):
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
