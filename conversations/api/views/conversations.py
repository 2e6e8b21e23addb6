"""The inbox: conversations, their messages, notes and state changes."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from conversations import selectors
from conversations.api.reads import record_personal_read
from conversations.api.serializers import ConversationOutput, MessageOutput, NoteOutput, many
from conversations.services import inbox, integrity, messages
from instaply.api import cursors
from instaply.api.fields import TenantPrimaryKeyRelatedField
from instaply.api.serializers import StrictInput
from instaply.errors import Invalid
from tenants.api.base import TenantAPIView
from tenants.models import Membership
from tenants.permissions import Capability

READ, WRITE = Capability.CONVERSATIONS_READ, Capability.CONVERSATIONS_WRITE


def _contact_lookup(params) -> tuple[str, str] | None:
    phone, email = params.get("phone"), params.get("email")
    if phone and email:
        raise Invalid("Look up by phone or by email, not both.")
    if phone:
        return "phone", phone
    if email:
        return "email", email
    return None


def _channel(value: str | None) -> str | None:
    if value and value not in ("sms", "widget"):
        raise Invalid("Unknown channel.", fields={"channel": ["One of sms, widget."]})
    return value or None


class ConversationListApi(TenantAPIView):
    capabilities = {"GET": READ}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["open", "pending", "snoozed", "closed"]),
            OpenApiParameter("assignee", str, description="me, unassigned, or a member id"),
            OpenApiParameter("shop", str),
            OpenApiParameter("label", str),
            OpenApiParameter("channel", str, enum=["sms", "widget"]),
            OpenApiParameter("phone", str, description="exact phone number of the contact"),
            OpenApiParameter("email", str, description="exact email of the contact"),
            OpenApiParameter("cursor", str),
            OpenApiParameter("limit", int),
        ],
        responses=ConversationOutput(many=True),
    )
    def get(self, request):
        params = request.query_params
        page, next_cursor = selectors.conversation_list(
            tenant=self.tenant,
            member=self.membership,
            status=params.get("status"),
            assignee=params.get("assignee"),
            shop_id=params.get("shop"),
            label_id=params.get("label"),
            channel=_channel(params.get("channel")),
            contact_lookup=_contact_lookup(params),
            cursor=params.get("cursor"),
            limit=cursors.page_size(params.get("limit")),
        )
        record_personal_read(
            request,
            target=("conversation_list", ""),
            fields=["contact.display_name", "last_message_preview"],
            count=len(page),
        )
        return Response({"results": many(ConversationOutput, page), "next_cursor": next_cursor})


class ConversationDetailApi(TenantAPIView):
    capabilities = {"GET": READ}

    @extend_schema(responses=ConversationOutput)
    def get(self, request, conversation_id):
        conversation = selectors.conversation_get(tenant=self.tenant, id=conversation_id)
        record_personal_read(
            request,
            target=("conversation", conversation.pk),
            fields=["contact.display_name", "last_message_preview"],
        )
        return Response(ConversationOutput(conversation).data)


class MessageListApi(TenantAPIView):
    capabilities = {"GET": READ, "POST": WRITE}

    class Input(StrictInput):
        body = serializers.CharField(max_length=messages.MAX_BODY_LENGTH, trim_whitespace=False)

    @extend_schema(
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("limit", int)],
        responses=MessageOutput(many=True),
    )
    def get(self, request, conversation_id):
        page, next_cursor = selectors.thread_page(
            tenant=self.tenant,
            conversation_id=conversation_id,
            cursor=request.query_params.get("cursor"),
            limit=cursors.page_size(request.query_params.get("limit"), default=50),
        )
        integrity.messages_open(messages=page, request=request)
        record_personal_read(
            request, target=("conversation", conversation_id), fields=["messages"], count=len(page)
        )
        return Response({"results": many(MessageOutput, page), "next_cursor": next_cursor})

    @extend_schema(request=Input, responses={201: MessageOutput})
    def post(self, request, conversation_id):
        conversation = selectors.conversation_get(tenant=self.tenant, id=conversation_id)
        data = self.validated(self.Input, request.data)
        message = messages.message_reply(
            actor=self.membership, conversation=conversation, body=data["body"]
        )
        return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)


class NoteListApi(TenantAPIView):
    capabilities = {"GET": READ, "POST": WRITE}

    class Input(StrictInput):
        body = serializers.CharField(max_length=4000)

    @extend_schema(responses=NoteOutput(many=True))
    def get(self, request, conversation_id):
        conversation = selectors.conversation_get(tenant=self.tenant, id=conversation_id)
        notes = selectors.note_list(conversation=conversation)
        record_personal_read(
            request, target=("conversation", conversation.pk), fields=["notes"], count=len(notes)
        )
        return Response({"results": NoteOutput(notes, many=True).data})

    @extend_schema(request=Input, responses={201: NoteOutput})
    def post(self, request, conversation_id):
        conversation = selectors.conversation_get(tenant=self.tenant, id=conversation_id)
        data = self.validated(self.Input, request.data)
        note = inbox.note_add(actor=self.membership, conversation=conversation, body=data["body"])
        return Response(NoteOutput(note).data, status=status.HTTP_201_CREATED)


class _ConversationAction(TenantAPIView):
    """POST conversations/{id}/<action>: answers the updated conversation."""

    capabilities = {"POST": WRITE}
    Input: type[StrictInput] | None = None

    def act(self, conversation, data):
        raise NotImplementedError

    def post(self, request, conversation_id):
        conversation = selectors.conversation_get(tenant=self.tenant, id=conversation_id)
        data = self.validated(self.Input, request.data) if self.Input else {}
        self.act(conversation, data)
        return Response(
            ConversationOutput(
                selectors.conversation_get(tenant=self.tenant, id=conversation.pk)
            ).data
        )


class ConversationAssignApi(_ConversationAction):
    class Input(StrictInput):
        assignee = TenantPrimaryKeyRelatedField(model=Membership, allow_null=True)

    @extend_schema(request=Input, responses=ConversationOutput)
    def post(self, request, conversation_id):
        return super().post(request, conversation_id)

    def act(self, conversation, data):
        inbox.conversation_assign(
            actor=self.membership, conversation=conversation, assignee=data["assignee"]
        )


def _status_action(name: str, target_status: str):
    class StatusApi(_ConversationAction):
        @extend_schema(
            request=None, responses=ConversationOutput, operation_id=f"conversation_{name}"
        )
        def post(self, request, conversation_id):
            return super().post(request, conversation_id)

        def act(self, conversation, data):
            inbox.conversation_set_status(
                actor=self.membership, conversation=conversation, status=target_status
            )

    StatusApi.__name__ = StatusApi.__qualname__ = f"Conversation{name.title()}Api"
    return StatusApi


ConversationCloseApi = _status_action("close", "closed")
ConversationReopenApi = _status_action("reopen", "open")
ConversationPendingApi = _status_action("pending", "pending")


class ConversationSnoozeApi(_ConversationAction):
    class Input(StrictInput):
        until = serializers.DateTimeField()

    @extend_schema(request=Input, responses=ConversationOutput)
    def post(self, request, conversation_id):
        return super().post(request, conversation_id)

    def act(self, conversation, data):
        inbox.conversation_set_status(
            actor=self.membership,
            conversation=conversation,
            status="snoozed",
            snoozed_until=data["until"],
        )


class ConversationReadApi(_ConversationAction):
    capabilities = {"POST": READ}  # viewers keep their own unread counts too

    @extend_schema(request=None, responses=ConversationOutput)
    def post(self, request, conversation_id):
        return super().post(request, conversation_id)

    def act(self, conversation, data):
        inbox.conversation_mark_read(actor=self.membership, conversation=conversation)


class ConversationLabelApi(TenantAPIView):
    capabilities = {"PUT": WRITE, "DELETE": WRITE}

    def _change(self, conversation_id, label_id, present: bool):
        from conversations.selectors import label_get

        conversation = selectors.conversation_get(tenant=self.tenant, id=conversation_id)
        label = label_get(tenant=self.tenant, id=label_id)
        inbox.conversation_label(
            actor=self.membership, conversation=conversation, label=label, present=present
        )
        return Response(
            ConversationOutput(
                selectors.conversation_get(tenant=self.tenant, id=conversation.pk)
            ).data
        )

    @extend_schema(request=None, responses=ConversationOutput)
    def put(self, request, conversation_id, label_id):
        return self._change(conversation_id, label_id, True)

    @extend_schema(request=None, responses=ConversationOutput)
    def delete(self, request, conversation_id, label_id):
        return self._change(conversation_id, label_id, False)
