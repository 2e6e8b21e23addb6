"""The widget's public API: /api/widget/v1/<key>/...

No staff authentication: the widget key names the widget, the visitor token
names the visitor. Only the widget's allowed origins get CORS answers; any
other origin is refused. Rate limits count per visitor and per client IP.
"""

import uuid

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.login_data.agents import families
from conversations.api.serializers import PersonalText
from conversations.widget import availability, consent, language, live, services
from instaply import rls
from instaply.api.serializers import StrictInput
from instaply.errors import Forbidden, Invalid, RateLimited
from instaply.ratelimit import by_ip, hit

VISITOR_HEADER = "X-Visitor-Token"


def _limit(scope: str, key: str) -> None:
    verdict = hit(scope, key)
    if not verdict.allowed:
        raise RateLimited(
            _("Too many requests. Try again in %(seconds)s seconds.")
            % {"seconds": verdict.retry_after},
            retry_after=verdict.retry_after,
        )


def _cors(response, origin: str):
    response["Access-Control-Allow-Origin"] = origin
    # Accept-Language: the widget's language, which the server's own words follow.
    response["Access-Control-Allow-Headers"] = f"Content-Type, Accept-Language, {VISITOR_HEADER}"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    response["Cache-Control"] = "private, no-store"
    return response


class WidgetApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    http_method_names = ["get", "post", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.widget = services.widget_by_key(kwargs["widget_key"])
        rls.adopt(self.widget.tenant_id)  # the widget's tenant, for the database too
        self.origin = request.headers.get("Origin", "")
        if not services.origin_allowed(self.widget, self.origin):
            raise Forbidden(_("This site may not use this chat widget."), code="origin_not_allowed")
        _limit("widget_ip", by_ip(request))

    def options(self, request, *args, **kwargs):
        return HttpResponse(status=204)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = getattr(self, "origin", "")
        widget = getattr(self, "widget", None)
        if widget is not None and services.origin_allowed(widget, origin):
            _cors(response, origin)
        return response

    def visitor(self, request, scope: str = "widget_visitor"):
        visitor = services.visitor_for(self.widget, request.headers.get(VISITOR_HEADER))
        _limit(scope, str(visitor.pk))
        return visitor


class VisitorMessageOutput(serializers.Serializer):
    id = serializers.UUIDField()
    direction = serializers.CharField()
    body = PersonalText(allow_null=True)
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    # The replying member's first name, nothing else of them; "" for the visitor's
    # own messages and the shop's automatic ones.
    author = serializers.SerializerMethodField()

    def get_author(self, message) -> str:
        return live.first_name(message.sender) if message.sender_id else ""


class TypingOutput(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)


class VisitorThreadOutput(serializers.Serializer):
    results = VisitorMessageOutput(many=True)
    # When someone of the shop last opened the conversation: the visitor's
    # messages from before it are seen.
    seen_at = serializers.DateTimeField(allow_null=True)
    # Someone of the shop typing now (their first name, or ""), or null.
    typing = TypingOutput(allow_null=True)


class SessionOutput(serializers.Serializer):
    visitor_token = serializers.CharField()
    conversation_id = serializers.UUIDField()
    # Shown in the chat when it starts (a minor's replies wait for the shop), or "".
    notice = serializers.CharField(allow_blank=True)


class WidgetSessionApi(WidgetApi):
    class Input(StrictInput):
        age = serializers.ChoiceField(choices=services.AgeAnswer.CHOICES, required=False)
        parental_authorisation = serializers.BooleanField(required=False, default=False)
        name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
        email = serializers.EmailField(required=False, allow_blank=True, default="")
        locale = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
        privacy_policy_version = serializers.CharField(
            max_length=32, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=Input, responses={201: SessionOutput})
    def post(self, request, widget_key):
        _limit("widget_session", by_ip(request))
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Browser and device family only (login data of visitors): no OS, no version, no IP.
        found = families(request.headers.get("User-Agent"))
        visitor, token = services.visitor_start(
            widget=self.widget,
            browser_family=found.browser,
            device_family=found.device,
            **serializer.validated_data,
        )
        return Response(
            {
                "visitor_token": token,
                "conversation_id": str(visitor.conversation_id),
                "notice": services.visitor_notice(visitor),
            },
            status=status.HTTP_201_CREATED,
        )


class WidgetMessagesApi(WidgetApi):
    class Input(StrictInput):
        body = serializers.CharField(trim_whitespace=False)

    @extend_schema(responses=VisitorThreadOutput)
    def get(self, request, widget_key):
        visitor = self.visitor(request)
        after_raw = request.query_params.get("after")
        try:
            after = uuid.UUID(after_raw) if after_raw else None
        except ValueError:
            raise Invalid(
                "after must be a message id.", fields={"after": ["Not a valid id."]}
            ) from None
        messages = services.visitor_messages(visitor=visitor, after=after)
        return Response(
            VisitorThreadOutput(
                {
                    "results": messages,
                    "seen_at": live.shop_seen_at(visitor=visitor),
                    "typing": live.agent_typing(visitor=visitor),
                }
            ).data
        )

    @extend_schema(request=Input, responses={201: VisitorMessageOutput})
    def post(self, request, widget_key):
        visitor = self.visitor(request)
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.visitor_write(visitor=visitor, body=serializer.validated_data["body"])
        return Response(VisitorMessageOutput(message).data, status=status.HTTP_201_CREATED)


class AvailabilityOutput(serializers.Serializer):
    open = serializers.BooleanField()
    # When a closed shop opens again (UTC; the widget shows it in the visitor's time).
    back_at = serializers.DateTimeField(allow_null=True)
    # The usual first response, measured: minutes, quarter, hour, hours or day.
    reply_within = serializers.CharField()


class WidgetConfigOutput(serializers.Serializer):
    # The language of the tenant's texts and the server's words below (Accept-Language).
    language = serializers.CharField()
    greeting = serializers.CharField()
    # Shown while the shop is closed: the tenant's words, or a translated default.
    away_message = serializers.CharField()
    availability = AvailabilityOutput()
    colour = serializers.CharField()
    text_colour = serializers.CharField()
    pre_chat_fields = serializers.ListField(child=serializers.CharField())
    age_gate = serializers.BooleanField()
    # The age gate's words, in the visitor's language, with the threshold ages.
    age_texts = serializers.DictField(child=serializers.CharField())
    shop = serializers.CharField()
    special_category_consent = serializers.BooleanField()
    special_category_text = serializers.CharField()
    special_category_text_version = serializers.CharField()


class WidgetConfigApi(WidgetApi):
    @extend_schema(responses=WidgetConfigOutput)
    def get(self, request, widget_key):
        widget = self.widget
        spoken = language.request_language()
        return Response(
            {
                "language": spoken,
                "greeting": language.tenant_text(widget.greetings, spoken, widget.greeting),
                "away_message": language.tenant_text(
                    widget.away_messages, spoken, language.away_message_default()
                ),
                "availability": AvailabilityOutput(availability.availability(widget.shop)).data,
                "colour": widget.colour,
                "text_colour": widget.text_colour,
                "pre_chat_fields": widget.pre_chat_fields,
                "age_gate": widget.age_gate,
                "age_texts": services.age_gate_texts(),
                "shop": widget.shop.name,
                # The consent checkbox asked before special-category data (consent.py).
                "special_category_consent": widget.special_category_consent,
                "special_category_text": widget.special_category_text
                if widget.special_category_consent
                else "",
                "special_category_text_version": widget.special_category_text_version,
            }
        )


class ConsentOutput(serializers.Serializer):
    purpose = serializers.CharField()
    asked = serializers.BooleanField()
    text = serializers.CharField()
    text_version = serializers.CharField()
    given = serializers.BooleanField()
    given_at = serializers.DateTimeField(allow_null=True)
    given_text_version = serializers.CharField()


class WithdrawalOutput(ConsentOutput):
    deleted_message_ids = serializers.ListField(child=serializers.UUIDField())


class WidgetConsentApi(WidgetApi):
    class Input(StrictInput):
        text_version = serializers.CharField(max_length=32, allow_blank=True)

    def visitor(self, request):
        visitor = super().visitor(request)
        visitor.widget = self.widget
        return visitor

    @extend_schema(responses=ConsentOutput)
    def get(self, request, widget_key):
        return Response(ConsentOutput(consent.consent_state(self.visitor(request))).data)

    @extend_schema(request=Input, responses={201: ConsentOutput, 200: ConsentOutput})
    def post(self, request, widget_key):
        visitor = self.visitor(request)
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        state, created = consent.visitor_consent_give(
            visitor=visitor, text_version=serializer.validated_data["text_version"]
        )
        return Response(
            ConsentOutput(state).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class WidgetConsentWithdrawApi(WidgetConsentApi):
    http_method_names = ["post", "options"]

    @extend_schema(request=None, responses=WithdrawalOutput)
    def post(self, request, widget_key):
        state, deleted = consent.visitor_consent_withdraw(visitor=self.visitor(request))
        return Response(WithdrawalOutput(state | {"deleted_message_ids": deleted}).data)


class WidgetTypingApi(WidgetApi):
    """The visitor is typing: a signal of a few seconds, never stored (live.py)."""

    http_method_names = ["post", "options"]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, widget_key):
        # Its own limit: typing must not use up the visitor's requests for messages.
        live.visitor_typing_signal(visitor=self.visitor(request, scope="widget_typing"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SeenOutput(serializers.Serializer):
    read_up_to = serializers.UUIDField()


class WidgetSeenApi(WidgetApi):
    http_method_names = ["post", "options"]

    class Input(StrictInput):
        message_id = serializers.UUIDField()

    @extend_schema(request=Input, responses=SeenOutput)
    def post(self, request, widget_key):
        visitor = self.visitor(request)
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        marker = live.visitor_read(
            visitor=visitor, message_id=serializer.validated_data["message_id"]
        )
        return Response(SeenOutput({"read_up_to": marker}).data)
