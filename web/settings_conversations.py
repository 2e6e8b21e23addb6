"""Settings → Conversations: how long a closed conversation is reopened by the
contact's new message (conversations.services.history), and whether replying
to an unassigned conversation assigns it to the replier."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from instaply.errors import DomainError
from tenants.permissions import Capability
from tenants.services.tenancy import (
    REOPEN_WINDOW_MAX_DAYS,
    tenant_assign_on_reply_set,
    tenant_reopen_window_set,
)
from web.labels import domain_error_message
from web.tenancy import member_required


@member_required(Capability.CHANNELS_MANAGE)
def conversations_settings(request):
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("setting") == "assign_on_reply":
                tenant_assign_on_reply_set(
                    actor=request.membership,
                    enabled=request.POST.get("assign_on_reply") == "on",
                    request=request,
                )
            else:
                tenant_reopen_window_set(
                    actor=request.membership,
                    days=request.POST.get("reopen_window_days", ""),
                    request=request,
                )
        except DomainError as error:
            messages.error(request, domain_error_message(error))
            status = 400
        else:
            messages.success(request, _("Saved."))
            return redirect("web:settings-conversations")
    request.tenant.refresh_from_db(fields=["reopen_window_days", "assign_on_reply"])
    return render(
        request,
        "web/settings/conversations.html",
        {"max_days": REOPEN_WINDOW_MAX_DAYS, "section": "settings", "tab": "conversations"},
        status=status,
    )
