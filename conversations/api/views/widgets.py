"""Widget settings for owners and admins."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from conversations import selectors
from conversations.widget import admin_services
from instaply.api.fields import TenantPrimaryKeyRelatedField
from instaply.api.serializers import StrictInput
from tenants.api.base import TenantAPIView
from tenants.models import Shop
from tenants.permissions import Capability

COLOUR = r"^#[0-9a-fA-F]{6}$"


class WidgetOutput(serializers.Serializer):
    id = serializers.UUIDField()
    shop_id = serializers.UUIDField()
    public_key = serializers.CharField()
    allowed_origins = serializers.ListField(child=serializers.CharField())
    greeting = serializers.CharField()
    # Per visitor language ({"fr": "..."}); a language missing gets greeting, or
    # for the away message (shown while the shop is closed) a translated default.
    greetings = serializers.DictField(child=serializers.CharField())
    away_messages = serializers.DictField(child=serializers.CharField())
    colour = serializers.CharField()
    text_colour = serializers.CharField()
    pre_chat_fields = serializers.ListField(child=serializers.CharField())
    age_gate = serializers.BooleanField()
    special_category_consent = serializers.BooleanField()
    special_category_text = serializers.CharField()
    special_category_text_version = serializers.CharField()
    active = serializers.BooleanField()
    snippet = serializers.SerializerMethodField()

    def get_snippet(self, widget) -> str:
        return admin_services.widget_snippet(widget)


class _WidgetFields(StrictInput):
    allowed_origins = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=20, required=False
    )
    greeting = serializers.CharField(max_length=300, required=False)
    greetings = serializers.DictField(
        child=serializers.CharField(max_length=300, allow_blank=True), required=False
    )
    away_messages = serializers.DictField(
        child=serializers.CharField(max_length=600, allow_blank=True), required=False
    )
    colour = serializers.RegexField(COLOUR, required=False)
    text_colour = serializers.RegexField(COLOUR, required=False)
    pre_chat_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=["name", "email"]), required=False
    )
    age_gate = serializers.BooleanField(required=False)
    special_category_consent = serializers.BooleanField(required=False)
    special_category_text = serializers.CharField(
        max_length=600, required=False, allow_blank=True, trim_whitespace=True
    )
    active = serializers.BooleanField(required=False)


class WidgetListApi(TenantAPIView):
    capabilities = {"GET": Capability.CHANNELS_MANAGE, "POST": Capability.CHANNELS_MANAGE}

    class Input(_WidgetFields):
        shop = TenantPrimaryKeyRelatedField(model=Shop)

    @extend_schema(responses=WidgetOutput(many=True))
    def get(self, request):
        return Response(
            {"results": WidgetOutput(selectors.widget_list(tenant=self.tenant), many=True).data}
        )

    @extend_schema(request=Input, responses={201: WidgetOutput})
    def post(self, request):
        data = self.validated(self.Input, request.data)
        widget = admin_services.widget_create(actor=self.membership, **data)
        return Response(WidgetOutput(widget).data, status=status.HTTP_201_CREATED)


class WidgetDetailApi(TenantAPIView):
    capabilities = {"GET": Capability.CHANNELS_MANAGE, "PATCH": Capability.CHANNELS_MANAGE}

    class Input(_WidgetFields):
        pass

    @extend_schema(responses=WidgetOutput)
    def get(self, request, widget_id):
        return Response(WidgetOutput(selectors.widget_get(tenant=self.tenant, id=widget_id)).data)

    @extend_schema(request=Input, responses=WidgetOutput)
    def patch(self, request, widget_id):
        widget = selectors.widget_get(tenant=self.tenant, id=widget_id)
        data = self.validated(self.Input, request.data)
        widget = admin_services.widget_update(actor=self.membership, widget=widget, **data)
        return Response(WidgetOutput(widget).data)
