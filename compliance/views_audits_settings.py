"""Settings → Audits (the workspace's owners): request an audit of the platform,
follow each request, accept another date the platform proposed, cancel, and
download the evidence package once it is ready.

The page also says, in the platform's policy words, why there is no on-site
visit. Reading the page writes no audit event (it shows the workspace's own
requests, no personal data); every step and every download does.
"""

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from audit import actions
from audit.recorder import record
from compliance.audits import rules, services
from compliance.audits.package import package_path
from compliance.audits.selectors import audit_request_get, audit_requests_for_tenant
from compliance.models import AuditRequest
from tenants.permissions import Capability
from web.tenancy import member_required

logger = logging.getLogger(__name__)

PRIVATE = "private, no-store"


class AuditRequestForm(forms.Form):
    proposed_date = forms.DateField(
        label=_lazy("Proposed date"),
        error_messages={
            "required": _lazy("Give the date you propose for the audit."),
            "invalid": _lazy("A date such as 2027-03-15."),
        },
    )
    scope_note = forms.CharField(
        label=_lazy("What you want to examine"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _page(request, form, status=200):
    now = timezone.now()
    today = rules.local_today(now)
    rows = list(audit_requests_for_tenant(request.tenant))
    for audit in rows:
        # The service refuses it too: a held audit stays on record.
        audit.cancellable = (
            audit.state != AuditRequest.State.CANCELLED and rules.audit_date(audit) > today
        )
    context = {
        "form": form,
        "requests": rows,
        "earliest": rules.earliest_date(now),
        "notice_days": settings.AUDIT_REQUEST_NOTICE_DAYS,
        "keep_days": settings.AUDIT_PACKAGE_KEEP_DAYS,
        "section": "settings",
        "tab": "audits",
    }
    return render(request, "compliance/audits/settings.html", context, status=status)


@member_required(Capability.AUDIT_REQUEST)
def audits(request):
    if request.method != "POST":
        return _page(request, AuditRequestForm())
    form = AuditRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        services.audit_request_file(
            membership=request.membership,
            proposed_date=form.cleaned_data["proposed_date"],
            scope_note=form.cleaned_data["scope_note"],
            now=timezone.now(),
            request=request,
        )
    except services.AuditRequestRefused as refused:
        form.add_error("proposed_date", refused.message)
        return _page(request, form, status=refused.status_code)
    messages.success(request, _("Audit requested. The platform's DPO answers by email."))
    return redirect("web:audits")


def _step(request, audit_id, step, done: str):
    audit = audit_request_get(tenant=request.tenant, id=audit_id)
    try:
        step(membership=request.membership, request=audit, now=timezone.now(), http=request)
    except services.AuditRequestRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect("web:audits")


@require_POST
@member_required(Capability.AUDIT_REQUEST)
def audit_accept(request, audit_id):
    return _step(
        request,
        audit_id,
        services.audit_request_accept,
        _("Date accepted. The evidence package is being prepared."),
    )


@require_POST
@member_required(Capability.AUDIT_REQUEST)
def audit_cancel(request, audit_id):
    return _step(request, audit_id, services.audit_request_cancel, _("Audit request cancelled."))


@member_required(Capability.AUDIT_REQUEST)
def audit_package(request, audit_id):
    """The evidence package (ZIP), for the workspace's owners only; audited."""
    audit = audit_request_get(tenant=request.tenant, id=audit_id)
    if audit.package_state != AuditRequest.Package.READY:
        return _no_package(request, audit)
    try:
        file = open(package_path(audit), "rb")  # noqa: SIM115 (FileResponse closes it)
    except FileNotFoundError:
        logger.error("evidence package of audit request %s is missing", audit.pk)
        return _no_package(request, audit)
    record(
        actions.AUDIT_PACKAGE_EXPORTED,
        request=request,
        target=("audit_request", audit.pk),
        metadata={"size": audit.package_size, "sha256": audit.package_sha256, "format": "zip"},
    )
    response = FileResponse(
        file,
        as_attachment=True,
        filename=f"audit-evidence-{request.tenant.slug}-{audit.agreed_date:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = PRIVATE
    return response


def _no_package(request, audit):
    if audit.package_state == AuditRequest.Package.EXPIRED:
        status, title = 410, _("Package deleted")
        message = _(
            "This evidence package was deleted after its retention. Ask the platform's DPO "
            "if you need the evidence again."
        )
    else:
        status, title = 409, _("Package not ready")
        message = _("The evidence package of this audit is not ready.")
    return render(
        request,
        "web/error.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )
