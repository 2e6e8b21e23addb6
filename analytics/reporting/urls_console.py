"""Console route of the reporting database (platform DPO and security)."""

from django.urls import path

from analytics.reporting import views_console as views

urlpatterns = [path("reporting/", views.status, name="reporting")]
