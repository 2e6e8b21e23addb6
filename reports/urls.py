"""Reports pages, in the web namespace ("web:reports")."""

from django.urls import path

from reports import views

urlpatterns = [
    path("reports/", views.reports_page, name="reports"),
    path("reports/export.csv", views.reports_csv, name="reports-csv"),
]
