from django.contrib.auth.views import LogoutView
from django.urls import path

from web import auth_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.SignInView.as_view(), name="login"),
    path("login/verify/", auth_views.two_factor_step, name="two-factor"),
    path("login/enrol/", auth_views.two_factor_enrol, name="two-factor-enrol"),
    path("account/security/", auth_views.account_security, name="account-security"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("switch-tenant/", views.switch_tenant, name="switch-tenant"),
    path(
        "invite/<slug:tenant_slug>/<str:token>/", views.accept_invitation, name="accept-invitation"
    ),
]
