"""/platform/: the console. Each part keeps its routes in its own module."""

from django.urls import include, path

app_name = "platform"

urlpatterns = [
    path("", include("platform_staff.urls_console")),
    path("", include("platform_staff.urls_grants")),
    path("", include("platform_staff.urls_disclosures")),
    path("", include("platform_staff.urls_requests")),
    path("", include("privacy.policies.urls_console")),
    path("", include("breaches.urls_console")),
    path("", include("breaches.urls_console_notices")),
    path("", include("compliance.urls_records_console")),
    path("", include("compliance.urls_subprocessors_console")),
    path("", include("compliance.urls_audits_console")),
    path("", include("analytics.urls_console")),
    path("", include("analytics.reporting.urls_console")),
]
