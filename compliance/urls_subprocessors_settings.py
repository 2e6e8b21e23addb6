"""Settings routes: the sub-processors serving the workspace, and objections."""

from django.urls import path

from compliance import views_subprocessors_settings as views

urlpatterns = [
    path("settings/subprocessors/", views.subprocessors, name="subprocessors"),
    path(
        "settings/subprocessors/changes/<uuid:change_id>/object",
        views.object_to,
        name="subprocessor-object",
    ),
    path(
        "settings/subprocessors/objections/<uuid:objection_id>/withdraw",
        views.withdraw,
        name="subprocessor-withdraw",
    ),
]
