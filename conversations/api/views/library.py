"""Labels, canned responses and contacts."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from conversations import selectors
from conversations.api.reads import record_personal_read
from conversations.api.serializers import (
    CannedResponseOutput,
    ContactConversationOutput,
    ContactOutput,
    LabelOutput,
)
from conversations.models import AgeStatus
from conversations.services import contacts, library
from instaply.api import cursors
from instaply.api.serializers import StrictInput
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability

READ, WRITE = Capability.CONVERSATIONS_READ, Capability.CONVERSATIONS_WRITE
COLOUR = r"^#[0-9a-fA-F]{6}$"


class LabelListApi(TenantAPIView):
    capabilities = {"GET": READ, "POST": WRITE}

    class Input(StrictInput):
        name = serializers.CharField(max_length=50)
        colour = serializers.RegexField(COLOUR, required=False)

    @extend_schema(responses=LabelOutput(many=True))
    def get(self, request):
        return Response(
            {"results": LabelOutput(selectors.label_list(tenant=self.tenant), many=True).data}
        )

    @extend_schema(request=Input, responses={201: LabelOutput})
    def post(self, request):
        label = library.label_create(
            actor=self.membership, **self.validated(self.Input, request.data)
        )
        return Response(LabelOutput(label).data, status=status.HTTP_201_CREATED)


class LabelDetailApi(TenantAPIView):
    capabilities = {"PATCH": WRITE, "DELETE": WRITE}

    class Input(StrictInput):
        name = serializers.CharField(max_length=50, required=False)
        colour = serializers.RegexField(COLOUR, required=False)

    @extend_schema(request=Input, responses=LabelOutput)
    def patch(self, request, label_id):
        label = library.label_update(
            actor=self.membership,
            label=selectors.label_get(tenant=self.tenant, id=label_id),
            **self.validated(self.Input, request.data),
        )
        return Response(LabelOutput(label).data)

    @extend_schema(responses={204: None})
    def delete(self, request, label_id):
        library.label_delete(
            actor=self.membership, label=selectors.label_get(tenant=self.tenant, id=label_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CannedResponseListApi(TenantAPIView):
    capabilities = {"GET": READ, "POST": WRITE}

    class Input(StrictInput):
        shortcut = serializers.SlugField(max_length=40)
        text = serializers.CharField(max_length=1600)

    @extend_schema(responses=CannedResponseOutput(many=True))
    def get(self, request):
        canned = selectors.canned_response_list(tenant=self.tenant)
        return Response({"results": CannedResponseOutput(canned, many=True).data})

    @extend_schema(request=Input, responses={201: CannedResponseOutput})
    def post(self, request):
        canned = library.canned_response_create(
            actor=self.membership, **self.validated(self.Input, request.data)
        )
        return Response(CannedResponseOutput(canned).data, status=status.HTTP_201_CREATED)


class CannedResponseDetailApi(TenantAPIView):
    capabilities = {"GET": READ, "PATCH": WRITE, "DELETE": WRITE}

    class Input(StrictInput):
        shortcut = serializers.SlugField(max_length=40, required=False)
        text = serializers.CharField(max_length=1600, required=False)

    @extend_schema(responses=CannedResponseOutput)
    def get(self, request, canned_id):
        canned = selectors.canned_response_get(tenant=self.tenant, id=canned_id)
        return Response(CannedResponseOutput(canned).data)

    @extend_schema(request=Input, responses=CannedResponseOutput)
    def patch(self, request, canned_id):
        canned = selectors.canned_response_get(tenant=self.tenant, id=canned_id)
        canned = library.canned_response_update(
            actor=self.membership, canned=canned, **self.validated(self.Input, request.data)
        )
        return Response(CannedResponseOutput(canned).data)

    @extend_schema(responses={204: None})
    def delete(self, request, canned_id):
        canned = selectors.canned_response_get(tenant=self.tenant, id=canned_id)
        library.canned_response_delete(actor=self.membership, canned=canned)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactListApi(TenantAPIView):
    capabilities = {"GET": READ}

    @extend_schema(
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses=ContactOutput(many=True),
    )
    def get(self, request):
        page, next_cursor = selectors.contact_list(
            tenant=self.tenant,
            cursor=request.query_params.get("cursor"),
            limit=cursors.page_size(request.query_params.get("limit")),
        )
        record_personal_read(
            request,
            target=("contact_list", ""),
            fields=["name", "email", "phone", "notes"],
            count=len(page),
        )
        return Response(
            {"results": ContactOutput(page, many=True).data, "next_cursor": next_cursor}
        )


class ContactDetailApi(TenantAPIView):
    capabilities = {"GET": READ, "PATCH": WRITE}

    class Input(StrictInput):
        name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        email = serializers.EmailField(required=False, allow_blank=True)
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        locale = serializers.CharField(max_length=16, required=False, allow_blank=True)
        age_status = serializers.ChoiceField(choices=AgeStatus.choices, required=False)
        processing_restricted = serializers.BooleanField(required=False)
        notes = serializers.CharField(
            max_length=contacts.NOTES_MAX_LENGTH, required=False, allow_blank=True
        )
        opted_out_channels = serializers.ListField(
            child=serializers.ChoiceField(choices=contacts.OPT_OUT_CHANNELS), required=False
        )

    @extend_schema(responses=ContactOutput)
    def get(self, request, contact_id):
        contact = selectors.contact_get(tenant=self.tenant, id=contact_id)
        record_personal_read(
            request,
            target=("contact", contact.pk),
            fields=["name", "email", "phone", "social_ids", "notes"],
        )
        return Response(ContactOutput(contact).data)

    @extend_schema(request=Input, responses=ContactOutput)
    def patch(self, request, contact_id):
        contact = selectors.contact_get(tenant=self.tenant, id=contact_id)
        contact = contacts.contact_update(
            actor=self.membership,
            contact=contact,
            request=request,
            **self.validated(self.Input, request.data),
        )
        return Response(ContactOutput(contact).data)


class ContactConversationListApi(TenantAPIView):
    """The contact's conversations, newest first: its history on every channel."""

    capabilities = {"GET": READ}

    @extend_schema(
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses=ContactConversationOutput(many=True),
    )
    def get(self, request, contact_id):
        contact = selectors.contact_get(tenant=self.tenant, id=contact_id)
        page, next_cursor = selectors.contact_conversation_list(
            tenant=self.tenant,
            contact=contact,
            cursor=request.query_params.get("cursor"),
            limit=cursors.page_size(request.query_params.get("limit")),
        )
        record_personal_read(
            request,
            target=("contact", contact.pk),
            fields=["conversations", "last_message_preview"],
            count=len(page),
        )
        return Response(
            {"results": ContactConversationOutput(page, many=True).data, "next_cursor": next_cursor}
        )
