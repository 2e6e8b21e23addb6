"""Routes of the inbox's faster work and its library pages (web: namespace):
bulk actions, saved views, contact editing, labels and saved replies."""

from django.urls import path

from web import contact_edit, settings_library, working

urlpatterns = [
    path("inbox/bulk", working.bulk_action, name="inbox-bulk"),
    path("inbox/views", working.saved_view_save, name="saved-view-save"),
    path("inbox/views/<uuid:view_id>/delete", working.saved_view_remove, name="saved-view-delete"),
    path("contacts/<uuid:contact_id>/edit", contact_edit.contact_edit, name="contact-edit"),
    path("settings/labels/", settings_library.labels, name="settings-labels"),
    path("settings/labels/<uuid:label_id>/", settings_library.label_edit, name="settings-label"),
    path("settings/saved-replies/", settings_library.saved_replies, name="settings-saved-replies"),
    path(
        "settings/saved-replies/<uuid:canned_id>/",
        settings_library.saved_reply_edit,
        name="settings-saved-reply",
    ),
]
