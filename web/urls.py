from django.contrib.auth.views import LogoutView
from django.urls import path

from web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("switch-tenant/", views.switch_tenant, name="switch-tenant"),
    path(
        "invite/<slug:tenant_slug>/<str:token>/", views.accept_invitation, name="accept-invitation"
    ),
]
