"""The API of minors: a contact's age, and the parental authorisation of a
15-17-year-old. Thin: parse, look the contact up inside the tenant, call
privacy.minors.services, answer with the contact's age state (no personal data)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from conversations.models import AgeStatus
from conversations.selectors import contact_get
from instaply.api.serializers import StrictInput
from privacy.dsr.selectors import dsr_open_erasure
from privacy.minors import rules, services
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability

WRITE = Capability.CONVERSATIONS_WRITE


class AgeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    age_status = serializers.CharField()
    # Why nothing can be sent to the contact because of their age, or null.
    blocked = serializers.CharField(allow_null=True)
    # The open erasure request of a contact under 15 (Settings → Privacy requests).
    erasure_request_id = serializers.UUIDField(allow_null=True)


def _age_state(contact) -> dict:
    refusal = rules.send_refusal(contact)
    erasure = None
    if contact.age_status == AgeStatus.UNDER_15:
        erasure = dsr_open_erasure(contact=contact)
    return {
        "id": contact.pk,
        "age_status": contact.age_status,
        "blocked": refusal.code if refusal else None,
        "erasure_request_id": erasure.pk if erasure else None,
    }


class ContactAgeApi(TenantAPIView):
    capabilities = {"POST": WRITE}

    class Input(StrictInput):
        age_status = serializers.ChoiceField(choices=AgeStatus.choices, required=False)
        age = serializers.IntegerField(min_value=0, max_value=130, required=False)

    @extend_schema(request=Input, responses=AgeOutput)
    def post(self, request, contact_id):
        contact = contact_get(tenant=self.tenant, id=contact_id)
        data = self.validated(self.Input, request.data)
        contact = services.contact_age_set(
            contact=contact,
            age_status=data.get("age_status"),
            age=data.get("age"),
            membership=self.membership,
            request=request,
        )
        return Response(AgeOutput(_age_state(contact)).data)


class ParentalAuthorisationApi(TenantAPIView):
    capabilities = {"POST": WRITE, "DELETE": WRITE}

    class Input(StrictInput):
        given_by = serializers.CharField(max_length=services.GIVEN_BY_MAX)
        given_on = serializers.DateField()
        method = serializers.ChoiceField(choices=sorted(services.METHODS))
        note = serializers.CharField(
            max_length=services.NOTE_MAX, required=False, allow_blank=True, default=""
        )

    class WithdrawInput(StrictInput):
        note = serializers.CharField(
            max_length=services.NOTE_MAX, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=Input, responses={201: AgeOutput})
    def post(self, request, contact_id):
        contact = contact_get(tenant=self.tenant, id=contact_id)
        data = self.validated(self.Input, request.data)
        entry = services.parental_authorisation_record(
            contact=contact, membership=self.membership, request=request, **data
        )
        return Response(AgeOutput(_age_state(entry.contact)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawInput, responses=AgeOutput)
    def delete(self, request, contact_id):
        contact = contact_get(tenant=self.tenant, id=contact_id)
        data = self.validated(self.WithdrawInput, request.data)
        contact = services.parental_authorisation_withdraw(
            contact=contact, membership=self.membership, request=request, **data
        )
        return Response(AgeOutput(_age_state(contact)).data)
