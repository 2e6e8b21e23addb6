"""The tenant's live feed, long-polled: answers at once when something is new,
otherwise waits up to 25 seconds for it."""

import time

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from conversations import selectors
from instaply.errors import Invalid
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability

LONG_POLL_SECONDS = 25.0
POLL_INTERVAL = 0.5


class EventOutput(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    conversation_id = serializers.UUIDField()
    payload = serializers.JSONField()
    created_at = serializers.DateTimeField()


class EventFeedApi(TenantAPIView):
    capabilities = {"GET": Capability.CONVERSATIONS_READ}

    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="the last seq you have; omit to start now"),
            OpenApiParameter(
                "wait", int, description="seconds to wait for news (0-25, default 25)"
            ),
        ],
        responses=EventOutput(many=True),
    )
    def get(self, request):
        after_raw, wait_raw = (
            request.query_params.get("after"),
            request.query_params.get("wait", "25"),
        )
        try:
            wait = min(LONG_POLL_SECONDS, max(0.0, float(wait_raw)))
            after = int(after_raw) if after_raw not in (None, "") else None
        except ValueError:
            raise Invalid("after and wait must be numbers.") from None
        if after is None:
            # A new client starts from now rather than replaying history.
            return Response(
                {"results": [], "cursor": selectors.event_latest_seq(tenant=self.tenant)}
            )
        deadline = time.monotonic() + wait
        while True:
            events = selectors.event_list(tenant=self.tenant, after=after)
            if events or time.monotonic() >= deadline:
                break
            time.sleep(POLL_INTERVAL)
        cursor = events[-1].seq if events else after
        response = Response({"results": EventOutput(events, many=True).data, "cursor": cursor})
        response["Cache-Control"] = "private, no-store"
        return response
