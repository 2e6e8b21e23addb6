"""The disclosure register in the console, for platform security only.

Reading the register writes no audit event: it holds the platform's own
record of what it handed over, no tenant content. Every write is audited by
the service that makes it.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from instaply.errors import DomainError, NotFound
from platform_staff.console import staff_required
from platform_staff.forms_disclosures import ERRORS, DisclosureForm, RegisterFilterForm
from platform_staff.selectors import disclosures as selectors
from platform_staff.services.disclosures import disclosure_mark_informed, disclosure_record

SECURITY = "security"
PAGE = 200


def _entry(disclosure_id):
    try:
        return selectors.disclosure_get_for_security(id=disclosure_id)
    except NotFound:
        raise Http404 from None


@staff_required(SECURITY)
def register(request):
    form = RegisterFilterForm(request.GET or None)
    tenant, told, unknown_tenant = None, None, False
    if form.is_valid():
        if form.cleaned_data["tenant"]:
            tenant = selectors.tenant_by_slug_or_name(form.cleaned_data["tenant"])
            unknown_tenant = tenant is None
        told = {"told": True, "withheld": False}.get(form.cleaned_data["told"])
    today = timezone.now().date()
    entries = []
    if not unknown_tenant:
        entries = list(selectors.disclosure_register(tenant=tenant, told=told)[:PAGE])
    return render(
        request,
        "platform_staff/disclosures.html",
        {
            "form": form,
            "entries": entries,
            "unknown_tenant": unknown_tenant,
            "today": today,
            "overdue": selectors.disclosure_overdue_count(today=today),
            "tenant_choices": selectors.tenant_choices(),
            "page_size": PAGE,
        },
    )


@staff_required(SECURITY)
def new(request):
    form = DisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tenant = selectors.tenant_by_slug_or_name(data["tenant"])
        if tenant is None:
            form.add_error("tenant", _("No workspace has this slug or name."))
        else:
            try:
                disclosure = disclosure_record(
                    staff=request.platform_staff,
                    tenant=tenant,
                    disclosed_on=data["disclosed_on"],
                    authority=data["authority"],
                    legal_basis=data["legal_basis"],
                    data_scope=data["data_scope"],
                    tenant_informed=data["told"] == "yes",
                    withheld_reason=data["withheld_reason"],
                    inform_by=data["inform_by"],
                    request=request,
                )
            except DomainError as error:
                _show(form, error)
            else:
                messages.success(request, _("Disclosure recorded."))
                return redirect("platform:disclosure", disclosure_id=disclosure.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "platform_staff/disclosure_new.html",
        {"form": form, "tenant_choices": selectors.tenant_choices()},
        status=status,
    )


def _show(form, error: DomainError) -> None:
    """A service refusal beside the field it names, else above the form."""
    for field, code in (error.fields or {}).items():
        if field in form.fields:
            form.add_error(field, ERRORS.get((field, code), error.message))
            return
    form.add_error(None, error.message)


@staff_required(SECURITY)
def detail(request, disclosure_id):
    entry = _entry(disclosure_id)
    today = timezone.now().date()
    return render(
        request,
        "platform_staff/disclosure_detail.html",
        {
            "entry": entry,
            "overdue": not entry.tenant_informed and entry.inform_by and entry.inform_by < today,
        },
    )


@staff_required(SECURITY)
@require_POST
def inform(request, disclosure_id):
    entry = _entry(disclosure_id)
    try:
        disclosure_mark_informed(staff=request.platform_staff, disclosure=entry, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Marked as told: the workspace's owners see the entry and are emailed.")
        )
    return redirect("platform:disclosure", disclosure_id=entry.pk)
