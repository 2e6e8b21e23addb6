"""Output shapes of the inbox API (inputs are nested in their views)."""

from rest_framework import serializers

from conversations.thread_lines import event_of, label_of
from privacy.crypto import is_erased
from privacy.fields import is_unreadable


class PersonalText(serializers.CharField):
    """A decrypted personal value; an erased or unreadable one is shown as null
    (plus a flag saying which, where the output has one)."""

    def to_representation(self, value):
        return _personal(value)


class MemberRef(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="user.get_full_name")
    role = serializers.CharField()

    def to_representation(self, membership):
        return member_ref(membership)


def member_ref(membership) -> dict | None:
    if membership is None:
        return None
    return {
        "id": str(membership.id),
        "name": membership.user.get_full_name(),
        "role": membership.role,
    }


def many(output_class, rows) -> list[dict]:
    """What ``output_class(rows, many=True).data`` answers, for an output whose
    ``to_representation`` is hand-built. DRF's list serializer and its child
    point at each other, and its answer at it: the whole page would stay for
    the garbage collector instead of going with the request
    (instaply/request_cycles.py)."""
    child = output_class()
    return [child.to_representation(row) for row in rows]


def _time(value) -> str | None:
    # DRF's own format for datetimes (ISO 8601, "Z" for UTC), without its per-field cost.
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _personal(value):
    return None if is_erased(value) or is_unreadable(value) else value


class LabelOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    colour = serializers.CharField()


class ContactOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = PersonalText(allow_null=True)
    email = PersonalText(allow_null=True)
    phone = PersonalText(allow_null=True)
    social_ids = serializers.JSONField()
    notes = PersonalText(allow_null=True)
    locale = serializers.CharField()
    age_status = serializers.CharField()
    opted_out_channels = serializers.ListField(child=serializers.CharField())
    processing_restricted = serializers.BooleanField()
    objections = serializers.ListField(child=serializers.CharField())
    privacy_policy_version = serializers.CharField()
    created_at = serializers.DateTimeField()
    erased = serializers.SerializerMethodField()

    def get_erased(self, contact) -> bool:
        return contact.erased_at is not None or is_erased(contact.name)


def contact_display_name(contact) -> str:
    """What the inbox shows for a contact: name, else phone, else email."""
    for value in (contact.name, contact.phone, contact.email):
        if value and not is_erased(value):
            return value
    return "[erased]" if is_erased(contact.name) else "Visitor"


class ConversationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    shop_id = serializers.UUIDField()
    channel = serializers.CharField()
    status = serializers.CharField()
    snoozed_until = serializers.DateTimeField()
    contact = serializers.SerializerMethodField()
    last_message_preview = PersonalText(allow_null=True)
    last_activity_at = serializers.DateTimeField()
    unread_count = serializers.IntegerField(required=False)
    assignee = MemberRef(allow_null=True)
    labels = LabelOutput(many=True, source="labels.all")
    closed_at = serializers.DateTimeField(allow_null=True)
    # The conversation this one follows (opened after the reopen window had passed).
    previous_id = serializers.UUIDField(allow_null=True)

    def get_contact(self, conversation) -> dict:
        contact = conversation.contact
        return {
            "id": str(contact.id),
            "display_name": contact_display_name(contact),
            "opted_out_channels": contact.opted_out_channels,
            "processing_restricted": contact.processing_restricted,
            "objections": contact.objections,
            "age_status": contact.age_status,
        }

    def to_representation(self, conversation):
        # Hand-built: the inbox page is the hottest read of the product, and DRF's
        # per-field machinery cost more than the query. The fields above stay the
        # schema; test_inbox_list checks both agree.
        labels = getattr(conversation, "label_list", None)
        if labels is None:
            labels = [
                {"id": str(label.id), "name": label.name, "colour": label.colour}
                for label in conversation.labels.for_tenant(conversation.tenant_id)
            ]
        return {
            "id": str(conversation.id),
            "shop_id": str(conversation.shop_id),
            "channel": conversation.channel,
            "status": conversation.status,
            "snoozed_until": _time(conversation.snoozed_until),
            "contact": self.get_contact(conversation),
            "last_message_preview": _personal(conversation.last_message_preview),
            "last_activity_at": _time(conversation.last_activity_at),
            "unread_count": getattr(conversation, "unread_count", None),
            "assignee": member_ref(conversation.assignee),
            "labels": labels,
            "closed_at": _time(conversation.closed_at),
            "previous_id": str(conversation.previous_id) if conversation.previous_id else None,
        }


class MessageOutput(serializers.Serializer):
    id = serializers.UUIDField()
    conversation_id = serializers.UUIDField()
    direction = serializers.CharField()
    sender_kind = serializers.CharField()
    sender = MemberRef(allow_null=True)
    body = PersonalText(allow_null=True)
    attachments = serializers.SerializerMethodField()
    status = serializers.CharField()
    failure_code = serializers.CharField()
    failure_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    # True when the stored message does not decrypt (altered, or copied from
    # another row): body is null, and the security team was alerted.
    unreadable = serializers.BooleanField()
    # "system" for a line the thread shows centred (an SMS keyword, an automatic
    # message): ``event`` says which, ``event_label`` in the caller's language.
    kind = serializers.ChoiceField(choices=["message", "system"])
    event = serializers.CharField(allow_null=True)
    event_label = serializers.CharField(allow_null=True)

    def get_attachments(self, message) -> list:
        value = message.attachments
        return [] if value is None or is_erased(value) or is_unreadable(value) else value

    def to_representation(self, message):
        # Hand-built for the same reason as ConversationOutput.
        event = event_of(message)
        return {
            "id": str(message.id),
            "conversation_id": str(message.conversation_id),
            "direction": message.direction,
            "sender_kind": message.sender_kind,
            "sender": member_ref(message.sender),
            "body": _personal(message.body),
            "attachments": self.get_attachments(message),
            "status": message.status,
            "failure_code": message.failure_code,
            "failure_reason": message.failure_reason,
            "created_at": _time(message.created_at),
            "status_changed_at": _time(message.status_changed_at),
            "unreadable": is_unreadable(message.body) or is_unreadable(message.attachments),
            "kind": "system" if event else "message",
            "event": event,
            "event_label": label_of(event),
        }


class NoteOutput(serializers.Serializer):
    id = serializers.UUIDField()
    conversation_id = serializers.UUIDField()
    author = MemberRef(allow_null=True)
    body = PersonalText()
    created_at = serializers.DateTimeField()


class CannedResponseOutput(serializers.Serializer):
    id = serializers.UUIDField()
    shortcut = serializers.CharField()
    text = serializers.CharField()


class ContactConversationOutput(serializers.Serializer):
    """One of a contact's conversations, in its history."""

    id = serializers.UUIDField()
    shop_id = serializers.UUIDField()
    channel = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    last_message_preview = PersonalText(allow_null=True)
    assignee = MemberRef(allow_null=True)
    previous_id = serializers.UUIDField(allow_null=True)

    def to_representation(self, conversation):
        return {
            "id": str(conversation.id),
            "shop_id": str(conversation.shop_id),
            "channel": conversation.channel,
            "status": conversation.status,
            "created_at": _time(conversation.created_at),
            "last_activity_at": _time(conversation.last_activity_at),
            "closed_at": _time(conversation.closed_at),
            "last_message_preview": _personal(conversation.last_message_preview),
            "assignee": member_ref(conversation.assignee),
            "previous_id": str(conversation.previous_id) if conversation.previous_id else None,
        }
