"""Console routes: the sub-processor registry (platform DPO)."""

from django.urls import path

from compliance import views_subprocessors_console as views

urlpatterns = [
    path("subprocessors/", views.registry, name="subprocessors"),
    path("subprocessors/announce/", views.announce, name="subprocessor-announce"),
    path(
        "subprocessors/changes/<uuid:change_id>/", views.change_detail, name="subprocessor-change"
    ),
]
