"""Console pages of privacy-policy versions, for the platform's DPO only.

Viewing is not audited: versions are the platform's own public texts, not
tenant data. Every write is audited by the service that makes it.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from django.views.decorators.http import require_GET

from instaply.errors import DomainError, NotFound
from platform_staff.console import staff_required
from privacy.policies import selectors
from privacy.policies.announce import effective_label, has_service_message
from privacy.policies.forms import ERRORS, PolicyVersionForm
from privacy.policies.services import (
    policy_version_create,
    policy_version_publish,
    policy_version_update,
)
from tenants.models import Tenant

DPO = "dpo"
SECTION = "policies"
TIME_ZONE = settings.PRIVACY_TIME_ZONE

# Refusals that are about the version as a whole, marked so the page says them
# in the reader's language (the services speak English to the logs).
REFUSALS = (
    gettext_noop("A published version cannot be changed: write a new version."),
    gettext_noop("This version is published already."),
)


def _version(version_id):
    try:
        return selectors.version_get(id=version_id)
    except NotFound:
        raise Http404 from None


def state_of(version, *, current, now) -> str:
    """draft, scheduled (published, not yet in force), in_force or superseded."""
    if version.published_at is None:
        return "draft"
    if current is not None and version.pk == current.pk:
        return "in_force"
    return "scheduled" if version.effective_at > now else "superseded"


@require_GET
@staff_required(DPO)
def versions(request):
    now = timezone.now()
    current = selectors.version_current(now)
    rows = [
        {
            "version": v,
            "state": state_of(v, current=current, now=now),
            "effective": effective_label(v),
        }
        for v in selectors.version_list()
    ]
    return render(
        request,
        "policies/console/versions.html",
        {"section": SECTION, "rows": rows, "current": current},
    )


@staff_required(DPO)
def new(request):
    form = PolicyVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = policy_version_create(
                staff=request.platform_staff, request=request, **form.cleaned_data
            )
        except DomainError as error:
            form.show(error)
        else:
            messages.success(request, _("Draft saved. Check the preview, then publish it."))
            return redirect("platform:policy", version_id=version.pk)
    return render(
        request,
        "policies/console/version_form.html",
        {"section": SECTION, "form": form, "version": None, "time_zone": TIME_ZONE},
        status=400 if request.method == "POST" else 200,
    )


@staff_required(DPO)
def edit(request, version_id):
    version = _version(version_id)
    if version.published_at is not None:
        messages.error(request, _(REFUSALS[0]))
        return redirect("platform:policy", version_id=version.pk)
    form = PolicyVersionForm(request.POST) if request.method == "POST" else None
    if form is not None and form.is_valid():
        try:
            policy_version_update(
                staff=request.platform_staff,
                policy_version=version,
                request=request,
                **form.cleaned_data,
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, pgettext("policy", "Draft saved."))
            return redirect("platform:policy", version_id=version.pk)
    return render(
        request,
        "policies/console/version_form.html",
        {
            "section": SECTION,
            "form": form or PolicyVersionForm.of(version),
            "version": version,
            "time_zone": TIME_ZONE,
        },
        status=400 if form is not None else 200,
    )


def _refused(form, error: DomainError) -> None:
    if error.message in REFUSALS:
        form.add_error(None, _(error.message))
    else:
        form.show(error)


@require_GET
@staff_required(DPO)
def detail(request, version_id):
    version = _version(version_id)
    now = timezone.now()
    return render(
        request,
        "policies/console/version_detail.html",
        {
            "section": SECTION,
            "version": version,
            "state": state_of(version, current=selectors.version_current(now), now=now),
            "effective": effective_label(version),
            "has_service_message": has_service_message(version),
        },
    )


@staff_required(DPO)
def publish(request, version_id):
    """GET: what publishing will do, and the button. POST: publish."""
    version = _version(version_id)
    if version.published_at is not None:
        messages.error(request, _(REFUSALS[1]))
        return redirect("platform:policy", version_id=version.pk)
    error = ""
    if request.method == "POST":
        try:
            policy_version_publish(
                staff=request.platform_staff, policy_version=version, request=request
            )
        except DomainError as refused:
            error = _(refused.message) if refused.message in REFUSALS else _publish_error(refused)
        else:
            messages.success(
                request,
                _(
                    "Version published. Every workspace's owners and privacy officers are "
                    "being told; the workspaces that chose it send the service message."
                ),
            )
            return redirect("platform:policy", version_id=version.pk)
    tenants = Tenant.objects.all()
    return render(
        request,
        "policies/console/version_publish.html",
        {
            "section": SECTION,
            "version": version,
            "effective": effective_label(version),
            "has_service_message": has_service_message(version),
            "tenants": tenants.count(),
            "sending": tenants.filter(send_policy_messages=True).count(),
            "error": error,
        },
        status=400 if error else 200,
    )


def _publish_error(error: DomainError) -> str:
    for field, code in (error.fields or {}).items():
        if (field, code) in ERRORS:
            return str(ERRORS[(field, code)]) + " " + _("Edit the draft first.")
    return error.message
