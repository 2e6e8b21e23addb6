"""POST conversations/bulk: one action on a selection of conversations."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from conversations.models import Label
from conversations.services import bulk
from instaply.api.fields import TenantPrimaryKeyRelatedField
from instaply.api.serializers import StrictInput
from tenants.api.base import TenantAPIView
from tenants.models import Membership
from tenants.permissions import Capability


class BulkOutput(serializers.Serializer):
    action = serializers.CharField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ConversationBulkApi(TenantAPIView):
    # Reading is enough to ask; the service refuses the actions the role may not
    # take (marking read is every reader's, the others need write).
    capabilities = {"POST": Capability.CONVERSATIONS_READ}

    class Input(StrictInput):
        action = serializers.ChoiceField(choices=bulk.ACTIONS)
        conversations = serializers.ListField(
            child=serializers.UUIDField(), min_length=1, max_length=bulk.MAX_CONVERSATIONS
        )
        assignee = TenantPrimaryKeyRelatedField(model=Membership, allow_null=True, required=False)
        label = TenantPrimaryKeyRelatedField(model=Label, required=False)

        def validate(self, data):
            if data["action"] == "assign" and "assignee" not in data:
                raise serializers.ValidationError(
                    {"assignee": ["A member id, or null to unassign."]}
                )
            if data["action"] == "label" and "label" not in data:
                raise serializers.ValidationError({"label": ["A label id."]})
            return data

    @extend_schema(request=Input, responses=BulkOutput)
    def post(self, request):
        data = self.validated(self.Input, request.data)
        result = bulk.conversations_bulk(
            actor=self.membership,
            action=data["action"],
            conversation_ids=data["conversations"],
            assignee=data.get("assignee"),
            label=data.get("label"),
        )
        return Response(BulkOutput(result).data)
