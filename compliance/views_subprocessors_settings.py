"""Settings → Sub-processors: who processes the workspace's data for the platform.

Everyone with COMPLIANCE_READ (owners, admins, privacy members) sees the
sub-processors serving this workspace, the whole registry and the upcoming
changes; owners and privacy members (SUBPROCESSOR_OBJECT) may object to an
upcoming change and withdraw their objection, until its date of effect. A
workspace sees its own objection only.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from compliance.subprocessors import selectors
from compliance.subprocessors.errors import error_words
from compliance.subprocessors.forms import ObjectionForm
from compliance.subprocessors.services import objection_raise, objection_withdraw
from compliance.usage import subprocessors_in_use
from instaply.errors import DomainError, NotFound
from tenants.permissions import Capability
from web.tenancy import member_required


def _page(request, *, form=None, form_change=None, status=200):
    now = timezone.now()
    today = now.date()
    mine = selectors.objections_of_tenant(request.tenant)
    upcoming = list(selectors.changes_upcoming(today))
    for change in upcoming:
        change.my_objection = mine.get(change.pk)
        change.form = form if form is not None and form_change == change.pk else ObjectionForm()
    return render(
        request,
        "compliance/subprocessors/settings.html",
        {
            "in_use": subprocessors_in_use(request.tenant, at=now),
            "registry": list(selectors.registry_on(today)),
            "upcoming": upcoming,
            "can_object": request.membership.can(Capability.SUBPROCESSOR_OBJECT),
            "section": "settings",
            "tab": "subprocessors",
        },
        status=status,
    )


@member_required(Capability.COMPLIANCE_READ)
def subprocessors(request):
    return _page(request)


@require_POST
@member_required(Capability.SUBPROCESSOR_OBJECT)
def object_to(request, change_id):
    try:
        change = selectors.change_get(id=change_id)
    except NotFound:
        raise Http404 from None
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            objection_raise(
                membership=request.membership,
                change=change,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
                request=request,
            )
        except DomainError as error:
            field = "reason" if "reason" in (error.fields or {}) else None
            form.add_error(field, error_words(error))
        else:
            messages.success(request, _("Your objection was sent to the platform."))
            return redirect("web:subprocessors")
    return _page(request, form=form, form_change=change.pk, status=400)


@require_POST
@member_required(Capability.SUBPROCESSOR_OBJECT)
def withdraw(request, objection_id):
    try:
        objection = selectors.objection_get(tenant=request.tenant, id=objection_id)
    except NotFound:
        raise Http404 from None
    try:
        objection_withdraw(
            membership=request.membership, objection=objection, now=timezone.now(), request=request
        )
    except DomainError as error:
        messages.error(request, error_words(error))
    else:
        messages.success(request, _("Your objection was withdrawn."))
    return redirect("web:subprocessors")
