"""The tenant's live feed, long-polled: answers at once when something is new,
otherwise waits up to 25 seconds for it.

``event_feed`` is a plain async view. Every answer, the first and each one after
a wake-up, comes from ``EventFeedApi``, the feed's sync API view, so
authentication, the tenant and role checks, the audit of refusals, the errors
and the settle rule of the feed are those of every other API endpoint. Under
the ASGI tier on PostgreSQL the waiting between answers happens in
``conversations.live.FeedHolder``, with no thread and no database connection
held; elsewhere (runserver, SQLite) the view re-reads every half second.
"""

import asyncio
import time
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from conversations import live, selectors
from instaply.errors import Invalid
from tenants.api.base import TenantAPIView
from tenants.models import ApiToken
from tenants.permissions import Capability

LONG_POLL_SECONDS = 25.0


class EventOutput(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    conversation_id = serializers.UUIDField()
    payload = serializers.JSONField()
    created_at = serializers.DateTimeField()


@dataclass(frozen=True)
class FeedWait:
    """Attached to an empty answer that may wait: who waits, and how long."""

    seconds: float
    tenant_id: object
    membership_id: object
    token_id: object


class EventFeedApi(TenantAPIView):
    """Answers without waiting; ``event_feed`` does the waiting between answers."""

    capabilities = {"GET": Capability.CONVERSATIONS_READ}

    @extend_schema(
        description=(
            "Your tenant's events after `after`, answered as soon as there is news "
            "or when `wait` seconds have passed (docs/api.md, Live updates)."
        ),
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
            return _private(
                Response({"results": [], "cursor": selectors.feed_latest_seq(tenant=self.tenant)})
            )
        events = selectors.feed_event_list(tenant=self.tenant, after=after)
        cursor = events[-1].seq if events else after
        response = _private(
            Response({"results": EventOutput(events, many=True).data, "cursor": cursor})
        )
        if not events and wait > 0:
            token = request.auth if isinstance(request.auth, ApiToken) else None
            response.feed_wait = FeedWait(
                seconds=wait,
                tenant_id=self.tenant.id,
                membership_id=self.membership.id,
                token_id=token and token.id,
            )
        return response


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


_answer_now = EventFeedApi.as_view()


def _answer(request):
    try:
        response = _answer_now(request)
        response.render()
        return response
    finally:
        live.release_connection()


async def event_feed(request):
    response = await sync_to_async(_answer)(request)
    plan = getattr(response, "feed_wait", None)
    if plan is None or live.hold(request, plan):
        # Under the ASGI tier, live.FeedHolder holds the request from here.
        return response
    # No notifications here (SQLite, or a WSGI server): read again shortly.
    deadline = time.monotonic() + plan.seconds
    while (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(left, live.POLL_SECONDS))
        response = await sync_to_async(_answer)(request)
        if getattr(response, "feed_wait", None) is None:
            break
    return response


# The route is this view's: the isolation walk and the API schema read its rules here.
event_feed.view_class = event_feed.cls = EventFeedApi
event_feed.initkwargs = {}
