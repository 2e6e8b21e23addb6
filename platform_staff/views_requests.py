"""Console pages of data-subject requests, for the platform's DPO.

The queue lists every tenant's requests; a request's page shows its facts, the
counts of what the platform holds about the subject, the clock's history and
the work's progress, with the DPO's actions: start, pause, resume, reject.

Viewing is not audited, on purpose: these pages show the request's own
metadata (type, state, times, the reasons written for the tenant) and counts,
never content nor an identifier of the subject, as the tenants list does.
What the DPO *does* is audited by the services (privacy.request_started,
_paused, _resumed, _rejected), in the transaction of the step.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from instaply.errors import DomainError
from platform_staff.console import staff_required
from privacy.dsr import selectors, services
from web import labels
from web.settings_privacy import COUNTS, EVENTS, STATES, TYPES

DPO = "dpo"
CLOSED = ("completed", "rejected", "cancelled")

# The services' refusals a DPO meets, marked so the page says them in the
# reader's language (the services speak English to the API and the logs).
REFUSALS = (
    gettext_noop("Only a received request can be started."),
    gettext_noop("This request is paused, waiting on the workspace."),
    gettext_noop("This request names nobody yet: it cannot be worked."),
    gettext_noop("This request is already paused."),
    gettext_noop("This request is not paused."),
    gettext_noop("This request still names nobody: the workspace must answer first."),
    gettext_noop("The work on this request has started: it can no longer be rejected."),
    gettext_noop("Give the reason the workspace will read."),
    gettext_noop("Keep the reason under 500 characters."),
)


def _left(clock) -> dict | None:
    if clock is None:
        return None
    minutes = int(abs(clock.remaining.total_seconds()) // 60)
    return {"hours": minutes // 60, "minutes": minutes % 60, "late": clock.remaining.days < 0}


@require_GET
@staff_required(DPO)
def queue(request):
    closed = request.GET.get("tab") == "closed"
    allowed_states = CLOSED if closed else ("received", "in_progress")
    state = request.GET.get("state", "")
    state = state if state in allowed_states else ""
    request_type = request.GET.get("type", "")
    request_type = request_type if request_type in TYPES else ""
    tenant = request.GET.get("tenant", "")[:80].strip()
    now = timezone.now()
    rows = [
        {
            "dsr": row.dsr,
            "clock": row.clock,
            "left": _left(row.clock),
            "used": round(row.used_fraction * 100),
            "type_label": labels.label(TYPES, row.dsr.request_type),
            "state_label": labels.label(STATES, row.dsr.state),
        }
        for row in selectors.dsr_queue(
            closed=closed, state=state, request_type=request_type, tenant_slug=tenant, now=now
        )
    ]
    return render(
        request,
        "platform_staff/requests.html",
        {
            "section": "requests",
            "rows": rows,
            "closed": closed,
            "attention": [r for r in rows if not r["dsr"].paused and r["dsr"].reminded_half_at]
            if not closed
            else [],
            "filters": {"state": state, "type": request_type, "tenant": tenant},
            "states": {k: v for k, v in STATES.items() if k in allowed_states},
            "types": TYPES,
        },
    )


@require_GET
@staff_required(DPO)
def detail(request, dsr_id):
    return _detail(request, selectors.dsr_for_dpo(id=dsr_id))


def _detail(request, dsr, *, error: str = "", status: int = 200):
    events = selectors.dsr_console_events(dsr)
    clock = selectors.dsr_clock(dsr, events)
    return render(
        request,
        "platform_staff/request_detail.html",
        {
            "section": "requests",
            "dsr": dsr,
            "type_label": labels.label(TYPES, dsr.request_type),
            "state_label": labels.label(STATES, dsr.state),
            "clock": clock,
            "left": _left(clock),
            "pause_reason": selectors.pause_reason(dsr, events),
            "hold_reason": selectors.dsr_active_hold_reason(dsr),
            "counts": [
                (key, labels.label(COUNTS, key), dsr.counts[key])
                for key in COUNTS
                if isinstance(dsr.counts.get(key), int)
            ],
            "history": [
                {
                    "at": e.at,
                    "kind": e.kind,
                    "label": labels.label(EVENTS, e.kind),
                    "reason": e.reason,
                    "by": e.actor.partition(":")[0],
                }
                for e in events
            ],
            "error": error,
        },
        status=status,
    )


def _act(request, dsr_id, step, done: str):
    dsr = selectors.dsr_for_dpo(id=dsr_id)
    try:
        step(dsr)
    except DomainError as error:
        message = _(error.message) if error.message in REFUSALS else error.message
        return _detail(request, dsr, error=message, status=error.status_code)
    messages.success(request, done)
    return redirect("platform:dsr", dsr_id=dsr.pk)


def _reason(request) -> str:
    return request.POST.get("reason", "")


@staff_required(DPO)
@require_POST
def start(request, dsr_id):
    staff = request.platform_staff
    return _act(
        request,
        dsr_id,
        lambda dsr: services.dsr_start(staff=staff, dsr=dsr, request=request),
        _("Work started."),
    )


@staff_required(DPO)
@require_POST
def pause(request, dsr_id):
    staff = request.platform_staff
    return _act(
        request,
        dsr_id,
        lambda dsr: services.dsr_pause(
            actor=staff, dsr=dsr, reason=_reason(request), request=request
        ),
        _("Request paused: the workspace has been asked."),
    )


@staff_required(DPO)
@require_POST
def resume(request, dsr_id):
    staff = request.platform_staff
    return _act(
        request,
        dsr_id,
        lambda dsr: services.dsr_resume(
            actor=staff, dsr=dsr, reason=_reason(request), request=request
        ),
        _("Request resumed: the clock runs again."),
    )


@staff_required(DPO)
@require_POST
def reject(request, dsr_id):
    staff = request.platform_staff
    return _act(
        request,
        dsr_id,
        lambda dsr: services.dsr_reject(
            staff=staff, dsr=dsr, reason=_reason(request), request=request
        ),
        _("Request rejected: the workspace has been told."),
    )
