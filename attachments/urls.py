from django.urls import path

from attachments import views

app_name = "attachments"

urlpatterns = [
    path("files/<uuid:attachment_id>/", views.attachment_file, name="file"),
    path("files/<uuid:attachment_id>/thumbnail", views.attachment_thumbnail, name="thumbnail"),
    path("c/<uuid:conversation_id>/attach", views.reply_with_file, name="reply"),
    # A customer's link: no login; the token is signed and expires.
    path("f/<str:token>", views.attachment_link, name="link"),
]
