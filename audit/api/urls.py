from django.urls import path

from audit.api import views

urlpatterns = [
    path("audit/events", views.AuditEventExportApi.as_view(), name="audit-event-export"),
    path("security/alerts", views.SecurityAlertListApi.as_view(), name="security-alert-list"),
    path(
        "security/alerts/<uuid:alert_id>/acknowledge",
        views.SecurityAlertAcknowledgeApi.as_view(),
        name="security-alert-acknowledge",
    ),
]
