"""The console's analytics page (DPO and security): what product analytics left
the platform, or would have (the local sink): counts per event over the days
rows are kept, and the latest payloads exactly as the client built them.

Reading it writes no audit event: the rows hold no tenant and no person, only
allowlisted values and monthly pseudonyms.
"""

import json

from django.conf import settings
from django.shortcuts import render

from analytics import selectors
from analytics.sending import destination
from platform_staff.console import staff_required


@staff_required("dpo", "security")
def analytics_console(request):
    latest = [
        {"row": row, "json": json.dumps(row.payload, indent=2, sort_keys=True)}
        for row in selectors.latest_payloads()
    ]
    context = {
        "counts": selectors.event_counts(),
        "latest": latest,
        "destination": destination(),
        "keep_days": settings.ANALYTICS_SENT_KEEP_DAYS,
        "section": "analytics",
    }
    return render(request, "analytics/console.html", context)
