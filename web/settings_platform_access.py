"""Platform access in the workspace's settings: requests from platform support,
the decisions on them, and what was read under each grant."""

from django.shortcuts import render

from platform_staff.selectors.grants import grant_list
from tenants.permissions import Capability
from web.tenancy import member_required


@member_required(Capability.MAINTENANCE_GRANT)
def requests(request):
    grants = grant_list(tenant=request.tenant)
    return render(
        request,
        "web/settings/platform_access.html",
        {"grants": grants, "section": "settings", "tab": "platform-access"},
    )
