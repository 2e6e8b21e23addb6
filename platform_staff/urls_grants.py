"""Console routes: access grants (platform support)."""

from django.urls import path

from platform_staff import views_grants

urlpatterns = [
    path("grants/", views_grants.grants, name="grants"),
    path("grants/new", views_grants.grant_new, name="grant-new"),
    path("grants/<uuid:grant_id>/", views_grants.grant, name="grant"),
    path(
        "grants/<uuid:grant_id>/c/<uuid:conversation_id>/",
        views_grants.grant_conversation,
        name="grant-conversation",
    ),
]
