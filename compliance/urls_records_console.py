"""Console → a tenant's records of processing (views_records_console); "platform" namespace."""

from django.urls import path

from compliance import views_records_console as views

t = "tenants/<uuid:tenant_id>/records/"

urlpatterns = [
    path(t, views.tenant_records, name="records"),
    path(f"{t}<uuid:snapshot_id>/", views.tenant_records_version, name="records-version"),
    path(f"{t}<uuid:snapshot_id>/json", views.tenant_records_json, name="records-json"),
]
