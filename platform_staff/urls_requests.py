"""Console routes: data-subject requests (the platform's DPO)."""

from django.urls import path

from platform_staff import views_requests as views

urlpatterns = [
    path("requests/", views.queue, name="dsr-queue"),
    path("requests/<uuid:dsr_id>/", views.detail, name="dsr"),
    path("requests/<uuid:dsr_id>/start", views.start, name="dsr-start"),
    path("requests/<uuid:dsr_id>/pause", views.pause, name="dsr-pause"),
    path("requests/<uuid:dsr_id>/resume", views.resume, name="dsr-resume"),
    path("requests/<uuid:dsr_id>/reject", views.reject, name="dsr-reject"),
]
