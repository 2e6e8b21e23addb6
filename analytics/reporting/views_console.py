"""The console's page on the reporting database, for the DPO and platform
security: how far the extract has come and how many facts it holds. Counts and
times only; reading it writes no audit event (no tenant content, no tenant named)."""

from django.shortcuts import render
from django.utils import timezone

from analytics.reporting import selectors
from platform_staff.console import staff_required


@staff_required("dpo", "security")
def status(request):
    return render(
        request,
        "reporting/console/status.html",
        {"section": "reporting", "status": selectors.extract_status(now=timezone.now())},
    )
