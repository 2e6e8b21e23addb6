"""Console route: what product analytics left the platform (namespace platform:)."""

from django.urls import path

from analytics import views_console

urlpatterns = [
    path("analytics/", views_console.analytics_console, name="analytics"),
]
