"""Console routes: sending an incident's breach notices and its updates (security)."""

from django.urls import path

from breaches import views_console_notices as views

incident = "incidents/<uuid:incident_id>/"

urlpatterns = [
    path(incident + "notices/", views.incident_notices_page, name="incident-notices"),
    path(incident + "notices/send", views.send_pending, name="incident-notices-send"),
    path(
        incident + "notices/<uuid:breach_notice_id>/send",
        views.send_one,
        name="incident-notice-send",
    ),
    path(incident + "updates/new", views.update_add, name="incident-update-add"),
]
