"""SMS settings for owners and admins, and what a draft costs for agents."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from channels_sms import segments, selectors
from channels_sms.models import Provider, ProviderAccount, SignatureMethod
from channels_sms.services import numbers
from channels_sms.webhooks.addresses import webhook_urls
from conversations.services.messages import MAX_BODY_LENGTH
from instaply.api.fields import TenantPrimaryKeyRelatedField
from instaply.api.serializers import NestedOutput, StrictInput
from tenants.api.base import TenantAPIView
from tenants.models import Shop
from tenants.permissions import Capability

MANAGE = Capability.CHANNELS_MANAGE


class AccountOutput(serializers.Serializer):
    id = serializers.UUIDField()
    provider = serializers.CharField()
    name = serializers.CharField()
    account_ref = serializers.CharField()
    platform_owned = serializers.BooleanField()
    signature_method = serializers.CharField()
    # Secrets are write-only: the API says whether one is set, never what it is.
    has_auth_token = serializers.SerializerMethodField()
    has_signature_secret = serializers.SerializerMethodField()
    active = serializers.BooleanField()
    webhooks = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_has_auth_token(self, account) -> bool:
        return account.platform_owned or account.has_secret("auth_token")

    def get_has_signature_secret(self, account) -> bool:
        return account.platform_owned or account.has_secret("signature_secret")

    def get_webhooks(self, account) -> dict:
        return webhook_urls(account.provider)


class NumberOutput(serializers.Serializer):
    id = serializers.UUIDField()
    shop_id = serializers.UUIDField()
    account_id = serializers.UUIDField()
    provider = serializers.CharField()
    number = serializers.CharField()
    messaging_service_sid = serializers.CharField()
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    deactivated_at = serializers.DateTimeField()
    webhooks = serializers.SerializerMethodField()

    def get_webhooks(self, number) -> dict:
        return webhook_urls(number.provider)


class ProviderAccountListApi(TenantAPIView):
    capabilities = {"GET": MANAGE, "POST": MANAGE}

    class Input(StrictInput):
        provider = serializers.ChoiceField(choices=Provider.choices)
        name = serializers.CharField(max_length=80, required=False, default="")
        account_ref = serializers.CharField(max_length=64)
        auth_token = serializers.CharField(max_length=200, write_only=True)
        signature_secret = serializers.CharField(
            max_length=200, required=False, default="", write_only=True
        )
        signature_method = serializers.ChoiceField(
            choices=SignatureMethod.choices, required=False, default=SignatureMethod.SHA256
        )

    @extend_schema(responses=AccountOutput(many=True))
    def get(self, request):
        accounts = selectors.provider_account_list(tenant=self.tenant)
        return Response({"results": AccountOutput(accounts, many=True).data})

    @extend_schema(request=Input, responses={201: AccountOutput})
    def post(self, request):
        data = self.validated(self.Input, request.data)
        account = numbers.provider_account_create(actor=self.membership, **data)
        return Response(AccountOutput(account).data, status=status.HTTP_201_CREATED)


class ProviderAccountDetailApi(TenantAPIView):
    capabilities = {"GET": MANAGE, "PATCH": MANAGE}

    class Input(StrictInput):
        name = serializers.CharField(max_length=80, required=False)
        auth_token = serializers.CharField(max_length=200, required=False, write_only=True)
        signature_secret = serializers.CharField(max_length=200, required=False, write_only=True)
        signature_method = serializers.ChoiceField(choices=SignatureMethod.choices, required=False)
        active = serializers.BooleanField(required=False)

    @extend_schema(responses=AccountOutput)
    def get(self, request, account_id):
        account = selectors.provider_account_get(tenant=self.tenant, id=account_id)
        return Response(AccountOutput(account).data)

    @extend_schema(request=Input, responses=AccountOutput)
    def patch(self, request, account_id):
        account = selectors.provider_account_get(tenant=self.tenant, id=account_id)
        data = self.validated(self.Input, request.data)
        account = numbers.provider_account_update(actor=self.membership, account=account, **data)
        return Response(AccountOutput(account).data)


class PhoneNumberListApi(TenantAPIView):
    capabilities = {"GET": MANAGE, "POST": MANAGE}

    class Input(StrictInput):
        shop = TenantPrimaryKeyRelatedField(model=Shop)
        account = TenantPrimaryKeyRelatedField(model=ProviderAccount)
        number = serializers.CharField(max_length=32)
        messaging_service_sid = serializers.CharField(max_length=34, required=False, default="")

    @extend_schema(responses=NumberOutput(many=True))
    def get(self, request):
        rows = selectors.phone_number_list(tenant=self.tenant)
        return Response({"results": NumberOutput(rows, many=True).data})

    @extend_schema(request=Input, responses={201: NumberOutput})
    def post(self, request):
        data = self.validated(self.Input, request.data)
        number = numbers.phone_number_create(
            actor=self.membership,
            shop=data["shop"],
            account=data["account"],
            number=data["number"],
            messaging_service_sid=data["messaging_service_sid"],
        )
        return Response(NumberOutput(number).data, status=status.HTTP_201_CREATED)


class PhoneNumberDetailApi(TenantAPIView):
    """PATCH changes the shop, the Messaging Service or the active state;
    DELETE deactivates (the number and its history stay)."""

    capabilities = {"GET": MANAGE, "PATCH": MANAGE, "DELETE": MANAGE}

    class Input(StrictInput):
        shop = TenantPrimaryKeyRelatedField(model=Shop, required=False)
        messaging_service_sid = serializers.CharField(
            max_length=34, required=False, allow_blank=True
        )
        active = serializers.BooleanField(required=False)

    @extend_schema(responses=NumberOutput)
    def get(self, request, number_id):
        number = selectors.phone_number_get(tenant=self.tenant, id=number_id)
        return Response(NumberOutput(number).data)

    @extend_schema(request=Input, responses=NumberOutput)
    def patch(self, request, number_id):
        number = selectors.phone_number_get(tenant=self.tenant, id=number_id)
        data = self.validated(self.Input, request.data)
        number = numbers.phone_number_update(actor=self.membership, phone_number=number, **data)
        return Response(NumberOutput(number).data)

    @extend_schema(request=None, responses=NumberOutput)
    def delete(self, request, number_id):
        number = selectors.phone_number_get(tenant=self.tenant, id=number_id)
        number = numbers.phone_number_update(
            actor=self.membership, phone_number=number, active=False
        )
        return Response(NumberOutput(number).data)


class SmsSegmentsApi(TenantAPIView):
    """What a draft costs before it is sent: encoding, segments, characters."""

    capabilities = {"POST": Capability.CONVERSATIONS_READ}

    class Input(StrictInput):
        body = serializers.CharField(
            max_length=MAX_BODY_LENGTH, allow_blank=True, trim_whitespace=False
        )

    class Output(NestedOutput):
        encoding = serializers.ChoiceField(choices=["GSM-7", "UCS-2"])
        segments = serializers.IntegerField()
        characters = serializers.IntegerField()
        max_segments = serializers.IntegerField()
        within_limit = serializers.BooleanField()

    @extend_schema(request=Input, responses=Output)
    def post(self, request):
        body = self.validated(self.Input, request.data)["body"]
        info = segments.summary(body)
        info["max_segments"] = settings.SMS_MAX_SEGMENTS
        info["within_limit"] = info["segments"] <= settings.SMS_MAX_SEGMENTS
        return Response(self.Output(info).data)
