"""The console's home per role and its tenants list: counts, never content."""

from django.shortcuts import render
from django.utils import timezone

from platform_staff.console import staff_required
from platform_staff.models import PlatformRole
from platform_staff.selectors.staff import grant_counts
from platform_staff.selectors.tenants import tenant_list, tenant_totals


@staff_required()
def home(request):
    staff = request.platform_staff
    context = {"section": "home"}
    if staff.has_role(PlatformRole.SUPPORT):
        context["grants"] = grant_counts(staff=staff)
    if staff.has_role(PlatformRole.DPO) or staff.has_role(PlatformRole.SECURITY):
        context["totals"] = tenant_totals()
    if staff.has_role(PlatformRole.DPO):
        from privacy.dsr.selectors import dsr_console_totals

        context["dsr"] = dsr_console_totals()
    if staff.has_role(PlatformRole.SECURITY):
        from breaches.selectors_console import security_totals

        context["incidents"] = security_totals(now=timezone.now())
    return render(request, "platform_staff/home.html", context)


@staff_required()
def tenants(request):
    search = request.GET.get("q", "")[:120]
    page = tenant_list(search=search, page=request.GET.get("page", 1))
    return render(
        request,
        "platform_staff/tenants.html",
        {"section": "tenants", "page": page, "q": search.strip()},
    )
