"""Settings routes: the workspace's breach register and its notices (web: namespace)."""

from django.urls import path

from breaches import views_settings as views

urlpatterns = [
    path("settings/breach-notices/", views.register, name="breach-notices"),
    path("settings/breach-notices/<uuid:breach_notice_id>/", views.notice, name="breach-notice"),
    path(
        "settings/breach-notices/<uuid:breach_notice_id>/acknowledge",
        views.acknowledge,
        name="breach-notice-acknowledge",
    ),
]
