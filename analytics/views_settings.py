"""Settings → Product analytics (owners, admins, privacy officers): the exact
list of what may be sent, rendered from the allowlist so it never drifts, and
the workspace's opt-out."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from analytics.events import ALLOWLIST
from analytics.sending import destination
from analytics.services import analytics_opt_out_set
from tenants.permissions import Capability
from web.tenancy import member_required


@member_required(Capability.ANALYTICS_MANAGE)
def product_analytics(request):
    if request.method == "POST":
        opted_out = request.POST.get("analytics_opt_out") == "on"
        analytics_opt_out_set(membership=request.membership, opted_out=opted_out, request=request)
        messages.success(
            request,
            _("Saved: no product analytics are sent about your workspace.")
            if opted_out
            else _("Saved: your workspace counts in the anonymous product analytics."),
        )
        return redirect("web:product-analytics")
    context = {
        "events": ALLOWLIST.values(),
        "destination": destination(),
        "section": "settings",
        "tab": "analytics",
    }
    return render(request, "analytics/settings.html", context)
