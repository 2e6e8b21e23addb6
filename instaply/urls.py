from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from conversations.widget.views import widget_script
from instaply import health
from instaply.admin_site import PlatformAdminSite
from instaply.api.errors import api_not_found
from instaply.security_headers import csp_extend
from privacy.dsr import package_urls

# The admin is for platform superusers: it asks for a verified second factor
# (django-otp), like every page of owners and admins, and answers 404 to platform
# staff who are not superusers (instaply/admin_site.py).
admin.site.__class__ = PlatformAdminSite

api_v1 = [
    path("", include("tenants.api.urls")),
    path("", include("audit.api.urls")),
    path("", include("conversations.api.urls")),
    path("", include("privacy.minors.urls")),
    path("", include("channels_sms.api.urls")),
    path("", include("privacy.dsr.api.urls")),
    path("", include("privacy.consent.urls")),
    path("", include("privacy.retention.api")),
    path("", include(package_urls.api)),
    path("", include("breaches.api")),
    path("", include("analytics.api")),
    path("", include("search.api")),
    path("", include("notifications.api")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("webhooks/", include("channels_sms.webhooks.urls")),
    path("api/widget/v1/", include("conversations.widget.urls")),
    path("widget/<str:widget_key>.js", widget_script, name="widget-script"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Redoc injects its styles at run time and searches in a blob: worker: only this
    # page may. Its credit links a logo on Redocly's CDN, which the policy refuses:
    # a staff member reading our docs tells no third party so.
    path(
        "api/docs/",
        csp_extend(style_src=["'unsafe-inline'"], worker_src=["blob:"])(
            SpectacularRedocView.as_view(url_name="schema", template_name="instaply/api_docs.html")
        ),
        name="api-docs",
    ),
    # Anything else under /api/ is a JSON 404, even with DEBUG on.
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
    path("platform/", include("platform_staff.urls")),
    path("privacy-policy/", include("privacy.policies.urls_public")),
    path("search/", include("search.urls")),
    path("", include("attachments.urls")),
    path("", include("web.urls")),
]

handler400 = "instaply.api.errors.bad_request"
handler403 = "instaply.api.errors.permission_denied"
handler404 = "instaply.api.errors.not_found"
handler500 = "instaply.api.errors.server_error"
