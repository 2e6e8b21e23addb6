"""Console routes: privacy-policy versions (the platform's DPO)."""

from django.urls import path

from privacy.policies import views_console as views

urlpatterns = [
    path("policies/", views.versions, name="policies"),
    path("policies/new/", views.new, name="policy-new"),
    path("policies/<uuid:version_id>/", views.detail, name="policy"),
    path("policies/<uuid:version_id>/edit/", views.edit, name="policy-edit"),
    path("policies/<uuid:version_id>/publish/", views.publish, name="policy-publish"),
]
