"""Console routes: incidents and the breach register (platform security)."""

from django.urls import path

from breaches import views_console as views

urlpatterns = [
    path("incidents/", views.register, name="incidents"),
    path("incidents/new/", views.new, name="incident-new"),
    path("incidents/<uuid:incident_id>/", views.detail, name="incident"),
    path("incidents/<uuid:incident_id>/close", views.close, name="incident-close"),
]
