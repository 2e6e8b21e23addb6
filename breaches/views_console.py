"""The console's incident pages, for platform security only: the breach
register, declaring an incident (facts and scope, a preview of the affected
tenants with their counts, then confirmation), one incident, closing it.

Reading these pages writes no audit event: they hold the platform's own facts
and per-tenant counts, no tenant content. Every write is audited by its service.
"""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from breaches import selectors_console as selectors
from breaches.forms import SCOPE_ERROR_FIELDS, CloseForm, IncidentForm
from breaches.services.incidents import incident_close, incident_declare, incident_preview
from instaply.errors import DomainError, NotFound
from platform_staff.console import staff_required
from tenants.models import Tenant

SECURITY = "security"

# The services' refusals, by (field, code), as the page says them.
ERRORS = {
    ("aware_at", "in the future"): gettext_lazy("The time of awareness cannot be in the future."),
    ("scope", "empty"): gettext_lazy("This scope matches no tenant."),
    ("tenants", "required"): gettext_lazy("List the affected tenants."),
    ("start", "required"): gettext_lazy("Give the start of the window."),
    ("end", "required"): gettext_lazy("Give the end of the window."),
    ("end", "before start"): gettext_lazy("The window ends before it starts."),
    ("start", "in the future"): gettext_lazy("The window cannot start in the future."),
    ("actions", "required"): gettext_lazy("List audit actions, actors or both."),
    ("code", "unknown"): gettext_lazy("Choose a sub-processor of the registry."),
    ("version", "required"): gettext_lazy("Give the key version (1 or more)."),
    ("resolution", "required"): gettext_lazy("Give the resolution."),
}


def _incident(incident_id):
    try:
        return selectors.incident_get(incident_id=incident_id)
    except NotFound:
        raise Http404 from None


def _show(form, error: DomainError) -> None:
    """A service refusal beside the field it names, else above the form."""
    for field, code in (error.fields or {}).items():
        name = SCOPE_ERROR_FIELDS.get(field, field)
        if name in form.fields:
            form.add_error(name, ERRORS.get((field, code), error.message))
            return
    form.add_error(None, error.message)


def _with_time_left(notices, now):
    for notice in notices:
        notice.time_left = notice.deadline_at - now
        notice.overdue = notice.sent_at is None and notice.deadline_at < now
    return notices


@staff_required(SECURITY)
def register(request):
    now = timezone.now()
    incidents = list(selectors.incident_register())
    for incident in incidents:
        _with_time_left(incident.notice_list, now)
    return render(
        request,
        "breaches/console/register.html",
        {"section": "incidents", "incidents": incidents, "now": now},
    )


@staff_required(SECURITY)
def new(request):
    form = IncidentForm(request.POST or None)
    context = {"section": "incidents", "form": form, "zone": timezone.get_current_timezone_name()}
    if request.method != "POST" or "edit" in request.POST:
        # "edit": back from the preview to the filled form.
        return render(request, "breaches/console/incident_new.html", context)
    if form.is_valid():
        now = timezone.now()
        facts = form.facts()
        try:
            if "confirm" in request.POST:
                incident = incident_declare(
                    staff=request.platform_staff,
                    now=now,
                    scope=form.scope(),
                    request=request,
                    **facts,
                )
                messages.success(
                    request,
                    _("Incident %(ref)s declared; its notices are ready to send.")
                    % {"ref": incident.reference},
                )
                return redirect("platform:incident", incident_id=incident.pk)
            facts, _scope, counts = incident_preview(
                staff=request.platform_staff, now=now, scope=form.scope(), **facts
            )
        except DomainError as error:
            _show(form, error)
        else:
            names = dict(Tenant.objects.filter(pk__in=counts).values_list("pk", "name"))
            context["preview"] = sorted(
                ((names[pk], subjects, records) for pk, (subjects, records) in counts.items()),
                key=lambda row: row[0].lower(),
            )
            context["deadline"] = facts["aware_at"] + dt.timedelta(
                hours=settings.BREACH_NOTICE_HOURS
            )
            return render(request, "breaches/console/incident_preview.html", context)
    return render(request, "breaches/console/incident_new.html", context, status=400)


@staff_required(SECURITY)
def detail(request, incident_id):
    incident = _incident(incident_id)
    now = timezone.now()
    notices = _with_time_left(selectors.incident_notices(incident), now)
    return render(
        request,
        "breaches/console/incident_detail.html",
        {
            "section": "incidents",
            "incident": incident,
            "notices": notices,
            "now": now,
            "close_form": CloseForm(),
        },
    )


@staff_required(SECURITY)
@require_POST
def close(request, incident_id):
    incident = _incident(incident_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            incident_close(
                staff=request.platform_staff,
                incident=incident,
                resolution=form.cleaned_data["resolution"],
                now=timezone.now(),
                request=request,
            )
        except DomainError as error:
            messages.error(request, ERRORS.get(_first(error), error.message))
        else:
            messages.success(request, _("Incident closed."))
    else:
        messages.error(request, _("Give the resolution."))
    return redirect("platform:incident", incident_id=incident.pk)


def _first(error: DomainError):
    return next(iter((error.fields or {}).items()), None)
