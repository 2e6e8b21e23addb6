"""Console routes: audit requests (the platform's DPO); in platform_staff/urls.py."""

from django.urls import path

from compliance import views_audits_console as views

urlpatterns = [
    path("audits/", views.queue, name="audit-requests"),
    path("audits/<uuid:request_id>/", views.detail, name="audit-request"),
    path("audits/<uuid:request_id>/accept", views.accept, name="audit-request-accept"),
    path("audits/<uuid:request_id>/counter", views.counter_propose, name="audit-request-counter"),
    path("audits/<uuid:request_id>/package", views.package_retry, name="audit-request-package"),
]
