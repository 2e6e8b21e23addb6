"""POST /api/v1/search: messages or contacts matching a query.

A POST, not a GET: the words searched for are personal data and stay out of
URLs, and so out of access logs, proxies and browser history (the inbox's own
search by phone or email does the same, web/inbox.py). It reads, and needs
only the capability to read conversations.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from conversations.api.serializers import ContactOutput, PersonalText, contact_display_name
from instaply.api.serializers import StrictInput
from search import selectors
from search.audit import record_search
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability


class MessageHitOutput(serializers.Serializer):
    id = serializers.UUIDField()
    conversation_id = serializers.UUIDField()
    contact_id = serializers.UUIDField()
    contact_name = serializers.SerializerMethodField()
    direction = serializers.CharField()
    body = PersonalText(allow_null=True)
    created_at = serializers.DateTimeField()
    conversation_status = serializers.CharField(source="conversation.status")
    channel = serializers.CharField(source="conversation.channel")

    def get_contact_name(self, message) -> str:
        return contact_display_name(message.contact)


class SearchApi(TenantAPIView):
    capabilities = {"POST": Capability.CONVERSATIONS_READ}

    class Input(StrictInput):
        q = serializers.CharField(max_length=selectors.MAX_QUERY, trim_whitespace=True)
        # What to search: the words of messages, or contacts' names, emails and phones.
        scope = serializers.ChoiceField(choices=["messages", "contacts"], default="messages")
        cursor = serializers.CharField(required=False, allow_blank=True)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=25)

    @extend_schema(request=Input, responses=None)
    def post(self, request):
        data = self.validated(self.Input, request.data)
        search = (
            selectors.message_search if data["scope"] == "messages" else selectors.contact_search
        )
        page = search(
            member=self.membership,
            query=data["q"],
            cursor=data.get("cursor") or None,
            limit=data["limit"],
        )
        record_search(request, scope=data["scope"], page=page)
        output = MessageHitOutput if data["scope"] == "messages" else ContactOutput
        return Response(
            {
                "results": output(page.results, many=True).data,
                "next_cursor": page.next_cursor,
                "complete": page.complete,
            },
            headers={"Cache-Control": "private, no-store"},
        )


urlpatterns = [path("search", SearchApi.as_view(), name="search")]
