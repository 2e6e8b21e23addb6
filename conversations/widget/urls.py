from django.urls import path

from attachments.widget_api import WidgetFilesApi
from conversations.widget import api

urlpatterns = [
    path("<str:widget_key>/config", api.WidgetConfigApi.as_view(), name="widget-config"),
    path("<str:widget_key>/sessions", api.WidgetSessionApi.as_view(), name="widget-sessions"),
    path("<str:widget_key>/messages", api.WidgetMessagesApi.as_view(), name="widget-messages"),
    path("<str:widget_key>/consent", api.WidgetConsentApi.as_view(), name="widget-consent"),
    path("<str:widget_key>/files", WidgetFilesApi.as_view(), name="widget-files"),
    path("<str:widget_key>/typing", api.WidgetTypingApi.as_view(), name="widget-typing"),
    path("<str:widget_key>/seen", api.WidgetSeenApi.as_view(), name="widget-seen"),
    path(
        "<str:widget_key>/consent/withdraw",
        api.WidgetConsentWithdrawApi.as_view(),
        name="widget-consent-withdraw",
    ),
]
