"""Routes of login data, in the site's "web" namespace (web/urls.py)."""

from django.urls import path

from analytics.login_data import views

urlpatterns = [
    path("settings/sign-ins/", views.sign_ins, name="sign-ins"),
    path(
        "settings/sign-ins/<uuid:login_session_id>/sign-out",
        views.sign_in_end,
        name="sign-in-end",
    ),
    path("account/sign-ins/", views.own_sign_ins, name="own-sign-ins"),
    path(
        "account/sign-ins/<uuid:login_session_id>/sign-out",
        views.own_sign_in_end,
        name="own-sign-in-end",
    ),
]
