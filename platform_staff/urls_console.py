"""Console routes: sign-in, enrolment, home, tenants."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from platform_staff import auth_views, views_console

urlpatterns = [
    path("", views_console.home, name="home"),
    path("tenants/", views_console.tenants, name="tenants"),
    path("login/", auth_views.ConsoleSignInView.as_view(), name="login"),
    path("login/verify/", auth_views.two_factor_step, name="two-factor"),
    path("login/enrol/", auth_views.two_factor_enrol, name="two-factor-enrol"),
    path("logout/", LogoutView.as_view(next_page="platform:login"), name="logout"),
    path("enrol/<uidb64>/<token>/", auth_views.EnrolView.as_view(), name="enrol"),
]
