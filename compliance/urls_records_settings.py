"""Settings → Records of processing (views_records_settings); in the "web" namespace."""

from django.urls import path

from compliance import views_records_settings as views

urlpatterns = [
    path("settings/records/", views.records, name="records"),
    path("settings/records/<uuid:snapshot_id>/", views.records_version, name="records-version"),
    path("settings/records/<uuid:snapshot_id>/print", views.records_print, name="records-print"),
    path("settings/records/<uuid:snapshot_id>/json", views.records_json, name="records-json"),
]
