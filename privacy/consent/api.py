"""/api/v1/contacts/{id}/consents: a contact's consent ledger, and staff
recording a consent or withdrawal on the person's instruction."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from conversations import selectors as conversation_selectors
from conversations.api.reads import record_personal_read
from instaply.api.serializers import NestedOutput, StrictInput
from privacy.consent import selectors, services
from privacy.consent.models import ConsentEntry
from tenants.api.base import TenantAPIView
from tenants.permissions import Capability


class ConsentEntryOutput(NestedOutput):
    id = serializers.UUIDField()
    purpose = serializers.CharField()
    action = serializers.CharField()
    channel = serializers.CharField()
    text = serializers.CharField()
    text_version = serializers.CharField()
    policy_version = serializers.CharField()
    recorded_by = serializers.UUIDField(source="recorded_by_id", allow_null=True)
    occurred_at = serializers.DateTimeField()
    details = serializers.SerializerMethodField()
    # True for a visitor's own declaration that a parent authorises them: kept
    # as what they said, never an authorisation (only staff entries decide it).
    declaration = serializers.SerializerMethodField()

    def get_details(self, entry) -> dict:
        return selectors.readable_details(entry)

    def get_declaration(self, entry) -> bool:
        return selectors.is_declaration(entry)


class ConsentStateOutput(NestedOutput):
    purpose = serializers.CharField()
    given = serializers.BooleanField()
    since = serializers.DateTimeField()
    entry_id = serializers.UUIDField()


class ConsentLedgerOutput(NestedOutput):
    current = ConsentStateOutput(many=True)
    results = ConsentEntryOutput(many=True)


def _state(entry: ConsentEntry) -> dict:
    return {
        "purpose": entry.purpose,
        "given": entry.action == ConsentEntry.Action.GIVEN,
        "since": entry.occurred_at,
        "entry_id": entry.pk,
    }


class ContactConsentsApi(TenantAPIView):
    capabilities = {
        "GET": Capability.CONVERSATIONS_READ,
        # Agents record what the person tells them in the conversation; viewers cannot.
        "POST": Capability.CONVERSATIONS_WRITE,
    }

    class Input(StrictInput):
        purpose = serializers.ChoiceField(choices=[str(p) for p in services.STAFF_PURPOSES])
        action = serializers.ChoiceField(choices=ConsentEntry.Action.choices)
        text = serializers.CharField(
            max_length=services.MAX_TEXT, required=False, allow_blank=True, default=""
        )
        text_version = serializers.CharField(
            max_length=32, required=False, allow_blank=True, default=""
        )

    @extend_schema(responses=ConsentLedgerOutput)
    def get(self, request, contact_id):
        contact = conversation_selectors.contact_get(tenant=self.tenant, id=contact_id)
        ledger = selectors.consent_ledger(contact)
        record_personal_read(
            request, target=("contact", contact.pk), fields=["consents"], count=len(ledger)
        )
        current = [_state(entry) for entry in selectors.consent_states(ledger).values()]
        return Response(
            ConsentLedgerOutput(
                {"current": sorted(current, key=lambda s: s["purpose"]), "results": ledger}
            ).data
        )

    @extend_schema(request=Input, responses={201: ConsentEntryOutput})
    def post(self, request, contact_id):
        contact = conversation_selectors.contact_get(tenant=self.tenant, id=contact_id)
        data = self.validated(self.Input, request.data)
        entry = services.consent_record_for_subject(
            actor=self.membership, contact=contact, request=request, **data
        )
        return Response(ConsentEntryOutput(entry).data, status=status.HTTP_201_CREATED)
