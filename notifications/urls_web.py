"""Pages of notifications, in the web namespace ("web:..."), included by web/urls.py."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("account/notifications/", views.preferences, name="notification-preferences"),
    path("notices/mentions/<uuid:mention_id>/read", views.mention_read, name="mention-read"),
]
