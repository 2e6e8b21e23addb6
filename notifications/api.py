"""/api/v1/me/notification-preferences and /api/v1/me/unread: a member's
notification choices, and what waits for them (counts and ids, no content):
the tab title's count, the Notices link's badge, the conversations to alert for."""

import uuid

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from instaply.api.serializers import NestedOutput, StrictInput
from instaply.errors import Invalid
from notifications import selectors
from notifications.services.preferences import preference_set
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability

MAX_IDS = 50


class NotificationPreferencesApi(TenantAPIView):
    capabilities = {"GET": Capability.SELF, "PATCH": Capability.SELF}

    class Input(StrictInput):
        desktop = serializers.BooleanField(required=False)
        sound = serializers.BooleanField(required=False)
        email_on_assignment = serializers.BooleanField(required=False)
        email_on_mention = serializers.BooleanField(required=False)

    class Output(NestedOutput):
        desktop = serializers.BooleanField()
        sound = serializers.BooleanField()
        email_on_assignment = serializers.BooleanField()
        email_on_mention = serializers.BooleanField()

    @extend_schema(responses=Output)
    def get(self, request):
        return Response(self.Output(selectors.preference_of(member=self.membership)).data)

    @extend_schema(request=Input, responses=Output)
    def patch(self, request):
        data = self.validated(self.Input, request.data)
        preference = preference_set(member=self.membership, request=request, **data)
        return Response(self.Output(preference).data)


def conversation_ids(values) -> list[uuid.UUID]:
    if len(values) > MAX_IDS:
        raise Invalid(
            f"At most {MAX_IDS} conversations at a time.",
            fields={"conversation": [f"Ensure there are no more than {MAX_IDS} ids."]},
        )
    try:
        return [uuid.UUID(value) for value in values]
    except ValueError:
        raise Invalid(
            "conversation is not a valid id.", fields={"conversation": ["Not a valid id."]}
        ) from None


def unread_summary(member, ids) -> dict:
    count = selectors.unread_conversation_count(member=member)
    mentions = selectors.mention_unread_count(member=member)
    return {
        "conversations": min(count, selectors.UNREAD_CAP),
        "more": count > selectors.UNREAD_CAP,
        "mentions": mentions,
        # The Notices link's badge (web/base.html), refreshed by notify.js.
        "notices": selectors.notice_badge_count(member=member, mentions=mentions),
        "notify": selectors.waiting_for_member(member=member, ids=ids),
    }


class UnreadApi(TenantAPIView):
    capabilities = {"GET": Capability.CONVERSATIONS_READ}

    class Output(NestedOutput):
        conversations = serializers.IntegerField()
        more = serializers.BooleanField()
        mentions = serializers.IntegerField()
        notices = serializers.IntegerField()
        notify = serializers.ListField(child=serializers.UUIDField())

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "conversation", str, many=True, description="Conversation ids to check (≤ 50)."
            )
        ],
        responses=Output,
    )
    def get(self, request):
        ids = conversation_ids(request.query_params.getlist("conversation"))
        response = Response(self.Output(unread_summary(self.membership, ids)).data)
        response["Cache-Control"] = "private, no-store"  # the member's own counts
        return response


urlpatterns = [
    path(
        "me/notification-preferences",
        NotificationPreferencesApi.as_view(),
        name="notification-preferences",
    ),
    path("me/unread", UnreadApi.as_view(), name="unread"),
]
