"""Settings → Disclosures to authorities: the entries the owners were told about.

Withheld entries are not on this page at all, not even counted: a count
would tell the workspace what a gag order forbids telling it.

Each view is audited (``disclosures.viewed``, with the number of entries
shown). The owners' reading holds no end-user's personal data, but the
register is a legal record the platform keeps for the tenant, and the
event lets both sides show when the tenant read what it was told.
"""

from django.shortcuts import render

from audit.recorder import record
from platform_staff.selectors.disclosures import disclosures_told
from tenants.permissions import Capability
from web.tenancy import member_required


@member_required(Capability.DISCLOSURES_READ)
def disclosures(request):
    entries = list(disclosures_told(tenant=request.tenant))
    record(
        "disclosures.viewed",
        request=request,
        target=("page", "web:disclosures"),
        metadata={"entries": len(entries)},
    )
    return render(
        request,
        "web/settings/disclosures.html",
        {"entries": entries, "section": "settings", "tab": "disclosures"},
    )
