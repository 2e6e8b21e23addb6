"""Console routes: the disclosure register (platform security)."""

from django.urls import path

from platform_staff import views_disclosures as views

urlpatterns = [
    path("disclosures/", views.register, name="disclosures"),
    path("disclosures/new/", views.new, name="disclosure-new"),
    path("disclosures/<uuid:disclosure_id>/", views.detail, name="disclosure"),
    path("disclosures/<uuid:disclosure_id>/inform", views.inform, name="disclosure-inform"),
]
