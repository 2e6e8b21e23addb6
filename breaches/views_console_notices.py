"""Console actions on an incident's notices, for platform security: send one,
send all pending (with the reason when past the deadline), add a follow-up
update. The actions part (``breaches/console/_notice_actions.html``) is
included by the incident's page; the small page here shows it on its own.

The console sees each affected tenant as its code and counts, never content.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from breaches.selectors_console import incident_get, incident_notices
from breaches.services.notices import incident_update_add, notice_send, notices_send_pending
from instaply.errors import DomainError, NotFound
from platform_staff.console import staff_required
from platform_staff.models import PlatformRole

SECURITY = PlatformRole.SECURITY.value


def _incident(incident_id):
    try:
        return incident_get(incident_id=incident_id)
    except NotFound:
        raise Http404 from None


def _page(request, incident, *, error=None, status=200):
    return render(
        request,
        "breaches/console/incident_notices.html",
        {
            "incident": incident,
            "notices": incident_notices(incident),
            "error": error,
            "posted": request.POST if error else None,
            "section": "incidents",
        },
        status=status,
    )


def _back(request, incident):
    """To the page the action was taken from (a console page), else this one."""
    target = request.POST.get("next", "")
    if target.startswith("/platform/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("platform:incident-notices", incident_id=incident.pk)


def _refused(error: DomainError) -> dict:
    """A service refusal, by the field it names (late_reason, facts) or above all."""
    field = next(iter(error.fields or {}), None)
    messages_by_field = {
        ("late_reason", "required"): _(
            "The 24-hour deadline has passed: say why the notice is sent late."
        ),
        ("late_reason", "too long"): _("Keep the reason under 2000 characters."),
        ("facts", "required"): _("Give the new facts."),
        ("facts", "too long"): _("Keep the facts under 5000 characters."),
    }
    code = (error.fields or {}).get(field)
    return {"field": field, "message": messages_by_field.get((field, code), error.message)}


@staff_required(SECURITY)
def incident_notices_page(request, incident_id):
    return _page(request, _incident(incident_id))


@staff_required(SECURITY)
@require_POST
def send_pending(request, incident_id):
    incident = _incident(incident_id)
    try:
        sent = notices_send_pending(
            incident=incident,
            staff=request.platform_staff,
            now=timezone.now(),
            late_reason=request.POST.get("late_reason", ""),
        )
    except DomainError as error:
        return _page(request, incident, error=_refused(error) | {"form": "all"}, status=400)
    messages.success(
        request,
        ngettext("%(count)s notice sent.", "%(count)s notices sent.", sent) % {"count": sent},
    )
    return _back(request, incident)


@staff_required(SECURITY)
@require_POST
def send_one(request, incident_id, breach_notice_id):
    incident = _incident(incident_id)
    notice = next((n for n in incident_notices(incident) if n.pk == breach_notice_id), None)
    if notice is None:
        raise Http404
    was_sent = notice.sent_at is not None
    try:
        notice_send(
            notice=notice,
            staff=request.platform_staff,
            now=timezone.now(),
            late_reason=request.POST.get("late_reason", ""),
        )
    except DomainError as error:
        refused = _refused(error) | {"form": str(notice.pk)}
        return _page(request, incident, error=refused, status=400)
    if was_sent:
        messages.info(request, _("This notice was already sent."))
    else:
        messages.success(request, _("Notice sent to %(tenant)s.") % {"tenant": notice.tenant.slug})
    return _back(request, incident)


@staff_required(SECURITY)
@require_POST
def update_add(request, incident_id):
    incident = _incident(incident_id)
    try:
        update = incident_update_add(
            incident=incident,
            staff=request.platform_staff,
            facts=request.POST.get("facts", ""),
            now=timezone.now(),
        )
    except DomainError as error:
        return _page(request, incident, error=_refused(error) | {"form": "update"}, status=400)
    messages.success(
        request,
        _("Update %(number)s added; the tenants already told receive it.")
        % {"number": update.number},
    )
    return _back(request, incident)
