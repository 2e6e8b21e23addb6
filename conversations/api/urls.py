from django.urls import path

from conversations.api.views import bulk, counts, events, library, widgets
from conversations.api.views import conversations as c

urlpatterns = [
    path("conversations", c.ConversationListApi.as_view(), name="conversation-list"),
    path("conversations/bulk", bulk.ConversationBulkApi.as_view(), name="conversation-bulk"),
    path(
        "conversations/status-counts",
        counts.ConversationStatusCountsApi.as_view(),
        name="conversation-status-counts",
    ),
    path(
        "conversations/<uuid:conversation_id>",
        c.ConversationDetailApi.as_view(),
        name="conversation-detail",
    ),
    path(
        "conversations/<uuid:conversation_id>/messages",
        c.MessageListApi.as_view(),
        name="message-list",
    ),
    path("conversations/<uuid:conversation_id>/notes", c.NoteListApi.as_view(), name="note-list"),
    path(
        "conversations/<uuid:conversation_id>/assign",
        c.ConversationAssignApi.as_view(),
        name="conversation-assign",
    ),
    path(
        "conversations/<uuid:conversation_id>/close",
        c.ConversationCloseApi.as_view(),
        name="conversation-close",
    ),
    path(
        "conversations/<uuid:conversation_id>/reopen",
        c.ConversationReopenApi.as_view(),
        name="conversation-reopen",
    ),
    path(
        "conversations/<uuid:conversation_id>/pending",
        c.ConversationPendingApi.as_view(),
        name="conversation-pending",
    ),
    path(
        "conversations/<uuid:conversation_id>/snooze",
        c.ConversationSnoozeApi.as_view(),
        name="conversation-snooze",
    ),
    path(
        "conversations/<uuid:conversation_id>/read",
        c.ConversationReadApi.as_view(),
        name="conversation-read",
    ),
    path(
        "conversations/<uuid:conversation_id>/labels/<uuid:label_id>",
        c.ConversationLabelApi.as_view(),
        name="conversation-label",
    ),
    path("labels", library.LabelListApi.as_view(), name="label-list"),
    path("labels/<uuid:label_id>", library.LabelDetailApi.as_view(), name="label-detail"),
    path("canned-responses", library.CannedResponseListApi.as_view(), name="canned-list"),
    path(
        "canned-responses/<uuid:canned_id>",
        library.CannedResponseDetailApi.as_view(),
        name="canned-detail",
    ),
    path("contacts", library.ContactListApi.as_view(), name="contact-list"),
    path("contacts/<uuid:contact_id>", library.ContactDetailApi.as_view(), name="contact-detail"),
    path(
        "contacts/<uuid:contact_id>/conversations",
        library.ContactConversationListApi.as_view(),
        name="contact-conversation-list",
    ),
    path("events", events.event_feed, name="events"),
    path("widgets", widgets.WidgetListApi.as_view(), name="widget-list"),
    path("widgets/<uuid:widget_id>", widgets.WidgetDetailApi.as_view(), name="widget-detail"),
]
