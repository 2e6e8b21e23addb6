"""Settings → Audits (see compliance/views_audits_settings.py); in web/urls.py, "web:"."""

from django.urls import path

from compliance import views_audits_settings as views

urlpatterns = [
    path("settings/audits/", views.audits, name="audits"),
    path("settings/audits/<uuid:audit_id>/accept", views.audit_accept, name="audit-accept"),
    path("settings/audits/<uuid:audit_id>/cancel", views.audit_cancel, name="audit-cancel"),
    path("settings/audits/<uuid:audit_id>/package", views.audit_package, name="audit-package"),
]
