"""The public pages of the privacy policy: the version in force, and any
published version by its label (what a contact's or message's stamp names)."""

from django.urls import path

from privacy.policies import views_public as views

app_name = "policies"

urlpatterns = [
    path("", views.in_force, name="public"),
    path("<str:version>/", views.version_page, name="public-version"),
]
