"""GET conversations/status-counts: what the inbox's status tabs show, for the
page's live refresh (web/static/web/counts.js) and any client with a list.

Counts only, never content: no contact, message or preview is read, so nothing
here is a personal-data read to record.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from conversations.api.views.conversations import READ, _channel
from conversations.models import Conversation
from conversations.selectors_counts import conversation_status_counts, count_shown
from instaply.api.serializers import NestedOutput
from tenants.api.base import TenantAPIView

# The answer says who asked ("assignee=me"): no shared cache may keep it.
PRIVATE = "private, no-store"


class StatusCount(serializers.Serializer):
    count = serializers.IntegerField(help_text="At most 999.")
    more = serializers.BooleanField(help_text="More than 999.")
    shown = serializers.CharField(help_text='What the tab shows: "12", "999+".')


def _status_count(counts: dict, status: str) -> dict:
    return {
        "count": counts[status],
        "more": status in counts["more"],
        "shown": count_shown(counts, status),
    }


class ConversationStatusCountsApi(TenantAPIView):
    capabilities = {"GET": READ}

    class Output(NestedOutput):
        open = StatusCount()
        pending = StatusCount()
        snoozed = StatusCount()
        closed = StatusCount()

    @extend_schema(
        parameters=[
            OpenApiParameter("assignee", str, description="me, unassigned, or a member id"),
            OpenApiParameter("shop", str),
            OpenApiParameter("label", str),
            OpenApiParameter("channel", str, enum=["sms", "widget"]),
        ],
        responses=Output,
    )
    def get(self, request):
        params = request.query_params
        counts = conversation_status_counts(
            tenant=self.tenant,
            member=self.membership,
            assignee=params.get("assignee") or None,
            shop_id=params.get("shop") or None,
            label_id=params.get("label") or None,
            channel=_channel(params.get("channel")),
        )
        body = {status: _status_count(counts, status) for status in Conversation.Status.values}
        response = Response(self.Output(body).data)
        response["Cache-Control"] = PRIVATE
        return response
