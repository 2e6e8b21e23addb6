"""The audit-request queue in the console, for the platform's DPO.

The DPO sees each workspace by name and code, the dates, the states and the
tenant's note (written to the platform); never the evidence package, which is
the tenant's to download. Reading writes no audit event; every answer is
audited by its service.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from compliance.audits import rules, services
from compliance.audits.selectors import audit_request_for_dpo, audit_request_queue
from compliance.models import AuditRequest
from instaply.errors import NotFound
from platform_staff.console import staff_required

DPO = "dpo"


class CounterProposalForm(forms.Form):
    date = forms.DateField(
        label=_lazy("Another date"),
        error_messages={
            "required": _lazy("Give the date you propose instead."),
            "invalid": _lazy("A date such as 2027-03-15."),
        },
    )
    note = forms.CharField(
        label=_lazy("Note to the workspace"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _request(request_id) -> AuditRequest:
    try:
        return audit_request_for_dpo(id=request_id)
    except NotFound:
        raise Http404 from None


@staff_required(DPO)
def queue(request):
    return render(
        request,
        "compliance/audits/console_queue.html",
        {
            "requests": audit_request_queue(),
            "notice_days": settings.AUDIT_REQUEST_NOTICE_DAYS,
            "section": "audits",
        },
    )


def _detail(request, audit, form, status=200):
    now = timezone.now()
    context = {
        "audit": audit,
        "form": form,
        "earliest": rules.earliest_date(now),
        "notice_days": settings.AUDIT_REQUEST_NOTICE_DAYS,
        "section": "audits",
    }
    return render(request, "compliance/audits/console_detail.html", context, status=status)


@staff_required(DPO)
def detail(request, request_id):
    return _detail(request, _request(request_id), CounterProposalForm())


@staff_required(DPO)
@require_POST
def accept(request, request_id):
    audit = _request(request_id)
    try:
        services.audit_request_accept(
            staff=request.platform_staff, request=audit, now=timezone.now(), http=request
        )
    except services.AuditRequestRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Date accepted; the workspace's owners are told."))
    return redirect("platform:audit-request", request_id=audit.pk)


@staff_required(DPO)
@require_POST
def counter_propose(request, request_id):
    audit = _request(request_id)
    form = CounterProposalForm(request.POST)
    if not form.is_valid():
        return _detail(request, audit, form, status=400)
    try:
        services.audit_request_counter_propose(
            staff=request.platform_staff,
            request=audit,
            date=form.cleaned_data["date"],
            note=form.cleaned_data["note"],
            now=timezone.now(),
            http=request,
        )
    except services.AuditRequestRefused as refused:
        form.add_error("date", refused.message)
        return _detail(request, audit, form, status=refused.status_code)
    messages.success(request, _("Date proposed; the workspace's owners are told."))
    return redirect("platform:audit-request", request_id=audit.pk)


@staff_required(DPO)
@require_POST
def package_retry(request, request_id):
    """A failed package is prepared again (the task does nothing to a ready one)."""
    audit = _request(request_id)
    if audit.package_state == AuditRequest.Package.FAILED:
        services.audit_package_retry(request=audit)
        messages.success(request, _("The evidence package is being prepared again."))
    return redirect("platform:audit-request", request_id=audit.pk)
