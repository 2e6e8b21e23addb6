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


def dsr_open_erasure(*, contact) -> DataSubjectRequest | None:
    """The open erasure request worked for this contact (not a linked
    duplicate), oldest first: what privacy.minors shows and links to."""
    # Index: the request's contact_id foreign key.
    return (
        DataSubjectRequest.objects.for_tenant(contact.tenant_id)
        .filter(
            contact=contact,
            request_type=DataSubjectRequest.Type.ERASURE,
            state__in=DataSubjectRequest.OPEN_STATES,
            duplicate_of__isnull=True,
        )
        .order_by("received_at")
        .first()
    )


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


# -- The DPO's console: every tenant's requests ------------------------------------
#
# The platform's DPO works the requests of all tenants: these reads cross
# tenants on purpose (dangerously_unscoped, with the reason) and hand the
# console the request's own facts and counts, never the subject's identifiers
# (encrypted on the row, and never decrypted here) nor any content.

QUEUE_LIMIT = 500
CLOSED_LIMIT = 200
HALF, NINETY = 0.5, 0.9


@dataclass(frozen=True)
class QueueRow:
    dsr: DataSubjectRequest
    clock: Clock | None
    used_fraction: float


# Never loaded for the console, so never decrypted there.
SUBJECT_FIELDS = ("subject_phone", "subject_email", "notes", "corrections")


def _events_by_request(dsrs) -> dict:
    by_request: dict = {d.pk: [] for d in dsrs}
    if not by_request:
        return by_request
    events = RequestEvent.objects.dangerously_unscoped(
        reason="the DPO's queue reads the clock events of every tenant's open requests"
    ).filter(request_id__in=list(by_request))
    for event in events.order_by("at", "id"):
        by_request[event.request_id].append(event)
    return by_request


def _used_fraction(dsr, events, now) -> float:
    clock = [deadlines.ClockEvent(kind=e.kind, at=e.at) for e in events if e.kind in CLOCK]
    return deadlines.deadline(clock, now=now).used_fraction


def dsr_queue(
    *, closed: bool = False, state: str = "", request_type: str = "", tenant_slug: str = "",
    now=None,
) -> list[QueueRow]:  # fmt: skip
    """The DPO's queue across tenants.

    Open requests (at most QUEUE_LIMIT, served by dsr_state_due): by due time,
    soonest first; paused ones after, by the working time they had left when
    the clock stopped. Closed ones (the second tab): most recently closed first.
    """
    now = now or timezone.now()
    rows = (
        DataSubjectRequest.objects.dangerously_unscoped(
            reason="the DPO's queue lists every tenant's requests"
        )
        .select_related("tenant")
        .defer(*SUBJECT_FIELDS)
    )
    if closed:
        rows = rows.exclude(state__in=DataSubjectRequest.OPEN_STATES)
    else:
        rows = rows.filter(state__in=DataSubjectRequest.OPEN_STATES)
    if state:
        rows = rows.filter(state=state)
    if request_type:
        rows = rows.filter(request_type=request_type)
    if tenant_slug:
        rows = rows.filter(tenant__slug=tenant_slug)
    if closed:
        return [
            QueueRow(dsr=d, clock=None, used_fraction=0.0)
            for d in rows.order_by("-closed_at", "-pk")[:CLOSED_LIMIT]
        ]
    dsrs = list(rows.order_by("due_at", "received_at")[:QUEUE_LIMIT])
    events = _events_by_request(dsrs)
    queue = [
        QueueRow(
            dsr=d,
            clock=dsr_clock(d, events[d.pk], now=now),
            used_fraction=_used_fraction(d, events[d.pk], now),
        )
        for d in dsrs
    ]
    queue.sort(key=lambda r: (r.clock.paused, r.clock.remaining, r.dsr.received_at))
    return queue


def dsr_for_dpo(*, id) -> DataSubjectRequest:
    """One request of any tenant for the DPO's console; a bad id is a 404."""
    from django.http import Http404

    try:
        return (
            DataSubjectRequest.objects.dangerously_unscoped(
                reason="the DPO works any tenant's request, by id"
            )
            .select_related("tenant")
            .defer(*SUBJECT_FIELDS)
            .get(pk=id)
        )
    except (DataSubjectRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("No such privacy request.") from None


def dsr_console_events(dsr: DataSubjectRequest) -> list[RequestEvent]:
    return list(
        RequestEvent.objects.dangerously_unscoped(reason="the DPO reads a request's history")
        .filter(request=dsr)
        .order_by("at", "id")
    )


def dsr_active_hold_reason(dsr: DataSubjectRequest) -> str:
    """The reason of the legal hold blocking an erasure (the tenant owner's words), or ""."""
    from privacy.dsr.models import LegalHold

    if dsr.request_type != DataSubjectRequest.Type.ERASURE or dsr.contact_id is None:
        return ""
    hold = (
        LegalHold.objects.for_tenant(dsr.tenant_id)
        .filter(contact_id=dsr.contact_id, released_at__isnull=True)
        .first()
    )
    return hold.reason if hold is not None else ""


def dsr_attention(*, now=None) -> list[QueueRow]:
    """Open, running requests the DPO was reminded of (50 % or 90 % of the time
    used): the console's "needs attention" list, most urgent first."""
    return [
        row
        for row in dsr_queue(now=now)
        if not row.dsr.paused and row.dsr.reminded_half_at is not None
    ]


def dsr_console_totals(*, now=None) -> dict:
    """The DPO home's counts: open requests, overdue ones, those needing attention."""
    queue = dsr_queue(now=now)
    return {
        "open": len(queue),
        "overdue": sum(1 for r in queue if r.clock and r.clock.overdue),
        "attention": sum(1 for r in queue if not r.dsr.paused and r.dsr.reminded_half_at),
    }


# -- The outcome the tenant reads on its request's page --------------------------


def dsr_package(dsr: DataSubjectRequest):
    """The access package built for the request (None before it is built)."""
    from privacy.dsr.models import AccessPackage

    return AccessPackage.objects.for_tenant(dsr.tenant_id).filter(request=dsr).first()


def dsr_erasure(dsr: DataSubjectRequest):
    """The erasure record (its receipt) of an erasure request, once written."""
    from privacy.dsr.models import ErasureRecord

    return ErasureRecord.objects.for_tenant(dsr.tenant_id).filter(request=dsr).first()
