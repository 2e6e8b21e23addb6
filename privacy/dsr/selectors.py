"""Reads of data-subject requests: the tenant's own, and one by id for tasks."""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from instaply.api import cursors
from privacy import deadlines
from privacy.dsr.models import DataSubjectRequest, RequestEvent
from tenants.scoping import tenant_get

CLOCK = (RequestEvent.Kind.RECEIVED, RequestEvent.Kind.PAUSED, RequestEvent.Kind.RESUMED)


def dsr_list(*, tenant, state: str = "", request_type: str = "", cursor=None, limit: int = 25):
    """A page of the tenant's requests, newest first, and the next page's cursor.

    Keyset on (received_at, id) under dsr_tenant_state / the tenant index.
    """
    rows = DataSubjectRequest.objects.for_tenant(tenant)
    if state:
        rows = rows.filter(state=state)
    if request_type:
        rows = rows.filter(request_type=request_type)
    if cursor:
        received_at, pk = cursors.decode(cursor, dt.datetime, uuid.UUID)
        rows = rows.filter(received_at__lte=received_at).exclude(
            received_at=received_at, pk__gte=pk
        )
    page = list(rows.order_by("-received_at", "-pk")[: limit + 1])
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        next_cursor = cursors.encode(page[-1].received_at, page[-1].pk)
    return page, next_cursor


def dsr_get(*, tenant, id) -> DataSubjectRequest:
    """The tenant's request with this id; another tenant's is the same 404."""
    return tenant_get(
        DataSubjectRequest.objects.select_related("duplicate_of"),
        tenant=tenant,
        id=id,
        what="privacy request",
    )


def dsr_events(dsr: DataSubjectRequest) -> list[RequestEvent]:
    return list(RequestEvent.objects.for_tenant(dsr.tenant_id).filter(request=dsr))


def dsr_by_id(dsr_id) -> DataSubjectRequest | None:
    """For tasks handed the id of a request we wrote."""
    try:
        return (
            DataSubjectRequest.objects.dangerously_unscoped(reason="a task by id of our own row")
            .select_related("tenant", "contact")
            .get(pk=dsr_id)
        )
    except (DataSubjectRequest.DoesNotExist, ValueError):
        return None


@dataclass(frozen=True)
class Clock:
    due_at: dt.datetime | None
    remaining: dt.timedelta
    overdue: bool
    paused: bool


def dsr_clock(dsr: DataSubjectRequest, events=None, *, now=None) -> Clock | None:
    """Working time left now, for an open request (None once closed).

    A linked duplicate shows its original's clock: that is the request worked.
    """
    source = dsr.duplicate_of if dsr.duplicate_of_id else dsr
    if not source.is_open:
        return None
    now = now or timezone.now()
    if events is None or source is not dsr:
        events = dsr_events(source)
    clock = [deadlines.ClockEvent(kind=e.kind, at=e.at) for e in events if e.kind in CLOCK]
    result = deadlines.deadline(clock, now=now)
    return Clock(
        due_at=result.due_at,
        remaining=result.remaining,
        overdue=result.overdue,
        paused=result.paused,
    )


def pause_reason(dsr: DataSubjectRequest, events) -> str:
    """Why an open request waits on the tenant: the last PAUSED event's reason."""
    if not dsr.paused:
        return ""
    paused = [e for e in events if e.kind == RequestEvent.Kind.PAUSED]
    return paused[-1].reason if paused else ""
