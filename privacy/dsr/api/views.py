"""/api/v1/privacy/requests: the tenant files and follows its data-subject requests."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from instaply.api import cursors
from instaply.api.serializers import StrictInput
from instaply.errors import Invalid
from privacy.dsr import selectors, services
from privacy.dsr.api.serializers import RequestDetailOutput, RequestOutput
from privacy.dsr.models import DataSubjectRequest
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability

PRIVACY = Capability.PRIVACY_REQUESTS


def _detail(dsr) -> dict:
    events = selectors.dsr_events(dsr)
    return RequestDetailOutput(dsr, context={"events": events}).data


class PrivacyRequestListApi(TenantAPIView):
    capabilities = {"GET": PRIVACY, "POST": PRIVACY}

    class Input(StrictInput):
        type = serializers.ChoiceField(choices=DataSubjectRequest.Type.choices)
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        email = serializers.CharField(max_length=254, required=False, allow_blank=True)
        contact_id = serializers.UUIDField(required=False, allow_null=True)
        subject_asked_on = serializers.DateField()
        identity_verified = serializers.BooleanField()
        notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        corrections = serializers.DictField(
            child=serializers.CharField(allow_blank=True), required=False
        )
        purpose = serializers.CharField(max_length=32, required=False, allow_blank=True)
        idempotency_key = serializers.CharField(max_length=100, required=False, allow_blank=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=DataSubjectRequest.State.values),
            OpenApiParameter("type", str, enum=DataSubjectRequest.Type.values),
            OpenApiParameter("cursor", str),
            OpenApiParameter("limit", int),
        ],
        responses=RequestOutput(many=True),
    )
    def get(self, request):
        state = request.query_params.get("state", "")
        request_type = request.query_params.get("type", "")
        if state and state not in DataSubjectRequest.State.values:
            raise Invalid("Unknown state.", fields={"state": ["Unknown state."]})
        if request_type and request_type not in DataSubjectRequest.Type.values:
            raise Invalid("Unknown type.", fields={"type": ["Unknown type."]})
        page, next_cursor = selectors.dsr_list(
            tenant=self.tenant,
            state=state,
            request_type=request_type,
            cursor=request.query_params.get("cursor"),
            limit=cursors.page_size(request.query_params.get("limit")),
        )
        return Response(
            {"results": RequestOutput(page, many=True).data, "next_cursor": next_cursor}
        )

    @extend_schema(
        request=Input,
        parameters=[OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER)],
        responses={201: RequestDetailOutput, 200: RequestDetailOutput},
    )
    def post(self, request):
        data = self.validated(self.Input, request.data)
        header_key = request.headers.get("Idempotency-Key", "")
        body_key = data.get("idempotency_key", "")
        if header_key and body_key and header_key != body_key:
            raise Invalid(
                "The Idempotency-Key header and the idempotency_key field differ.",
                fields={"idempotency_key": ["Differs from the header."]},
            )
        dsr, created = services.dsr_file(
            membership=self.membership,
            request_type=data["type"],
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            contact_id=data.get("contact_id") or None,
            subject_asked_on=data["subject_asked_on"],
            identity_verified=data["identity_verified"],
            notes=data.get("notes", ""),
            corrections=data.get("corrections"),
            purpose=data.get("purpose", ""),
            idempotency_key=header_key or body_key,
            request=request,
        )
        return Response(
            _detail(dsr), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class PrivacyRequestDetailApi(TenantAPIView):
    capabilities = {"GET": PRIVACY}

    @extend_schema(responses=RequestDetailOutput)
    def get(self, request, dsr_id):
        return Response(_detail(selectors.dsr_get(tenant=self.tenant, id=dsr_id)))


class PrivacyRequestCancelApi(TenantAPIView):
    capabilities = {"POST": PRIVACY}

    @extend_schema(request=None, responses=RequestDetailOutput)
    def post(self, request, dsr_id):
        dsr = selectors.dsr_get(tenant=self.tenant, id=dsr_id)
        dsr = services.dsr_cancel(membership=self.membership, dsr=dsr, request=request)
        return Response(_detail(dsr))


class PrivacyRequestAnswerApi(TenantAPIView):
    capabilities = {"POST": PRIVACY}

    class Input(StrictInput):
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        email = serializers.CharField(max_length=254, required=False, allow_blank=True)
        contact_id = serializers.UUIDField(required=False, allow_null=True)
        note = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(request=Input, responses=RequestDetailOutput)
    def post(self, request, dsr_id):
        dsr = selectors.dsr_get(tenant=self.tenant, id=dsr_id)
        data = self.validated(self.Input, request.data)
        dsr = services.dsr_answer(
            membership=self.membership,
            dsr=dsr,
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            contact_id=data.get("contact_id") or None,
            note=data.get("note", ""),
            request=request,
        )
        return Response(_detail(dsr))
