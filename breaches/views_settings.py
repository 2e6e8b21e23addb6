"""Settings → Breach notices: the workspace's breach register (its own sent
notices) and each notice with every fact, its updates and its times, for the
members who may read notices (owners, admins, privacy members); owners and
privacy members acknowledge it, which ends the banner for the whole workspace.

Reading a notice is audited (``breach.notice_read``): both sides can show when
the workspace read what it was told. Another workspace's notice, or one not
sent yet, is the same 404 as a missing one.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import actions
from audit.recorder import record
from breaches.labels_notices import facts
from breaches.selectors import notices_for_tenant
from breaches.selectors_notices import incident_updates, notice_get_for_tenant
from breaches.services.notices import notice_acknowledge
from tenants.permissions import Capability
from web.tenancy import member_required


@member_required(Capability.AUDIT_EXPORT)
def register(request):
    notices = list(notices_for_tenant(request.tenant).select_related("acknowledged_by__user"))
    return render(
        request,
        "breaches/settings/register.html",
        {"notices": notices, "section": "settings", "tab": "breach-notices"},
    )


@member_required(Capability.AUDIT_EXPORT)
def notice(request, breach_notice_id):
    entry = notice_get_for_tenant(tenant=request.tenant, id=breach_notice_id)
    record(
        actions.BREACH_NOTICE_READ,
        request=request,
        target=("breach_notice", entry.pk),
        metadata={"incident": str(entry.incident_id), "reference": entry.incident.reference},
    )
    return render(
        request,
        "breaches/settings/notice.html",
        {
            "notice": entry,
            "incident": entry.incident,
            "facts": facts(entry.incident),
            "updates": list(incident_updates(incident=entry.incident)),
            "can_acknowledge": request.membership.can(Capability.BREACH_ACKNOWLEDGE),
            "section": "settings",
            "tab": "breach-notices",
        },
    )


@require_POST
@member_required(Capability.BREACH_ACKNOWLEDGE)
def acknowledge(request, breach_notice_id):
    entry = notice_get_for_tenant(tenant=request.tenant, id=breach_notice_id)
    already = entry.acknowledged_at is not None
    notice_acknowledge(
        membership=request.membership, notice=entry, now=timezone.now(), request=request
    )
    if already:
        messages.info(request, _("This notice was already acknowledged."))
    else:
        messages.success(request, _("Notice acknowledged. The banner is gone for everyone."))
    return redirect("web:breach-notice", breach_notice_id=entry.pk)
