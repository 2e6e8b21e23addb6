from django.db import models
from django.utils import timezone

from privacy.fields import EncryptedTextField
from tenants.models import TenantScopedModel


class Label(TenantScopedModel):
    name = models.CharField(max_length=50)
    colour = models.CharField(max_length=7, default="#5a6376")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="label_unique_name")]
        ordering = ["name"]


class CannedResponse(TenantScopedModel):
    """A saved reply. Tenant-authored template text, not personal data."""

    shortcut = models.CharField(max_length=40)
    text = models.TextField(max_length=1600)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "shortcut"], name="canned_unique_shortcut")
        ]
        ordering = ["shortcut"]


class Conversation(TenantScopedModel):
    class Status(models.TextChoices):
        OPEN = "open"
        PENDING = "pending"
        SNOOZED = "snoozed"
        CLOSED = "closed"

    shop = models.ForeignKey("tenants.Shop", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        "conversations.Contact", on_delete=models.CASCADE, related_name="conversations"
    )
    # The channel kind ("sms", "widget") and the channel's own endpoint (a phone
    # number or a widget id), resolved by conversations.channels.
    channel = models.CharField(max_length=16)
    endpoint_id = models.UUIDField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    labels = models.ManyToManyField(Label, through="ConversationLabel", related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # Denormalised so a page of the inbox is one query: a preview of the newest
    # message (encrypted like the message) and a running count of inbound ones.
    last_message_preview = EncryptedTextField(subject="contact_id")
    inbound_count = models.PositiveIntegerField(default=0)
    # The shop's closed period in which the out-of-hours auto-reply was last sent.
    auto_replied_for = models.DateTimeField(null=True, blank=True)
    # When it was last closed: a new text within the tenant's reopen window
    # reopens it (conversations.services.history).
    closed_at = models.DateTimeField(null=True, blank=True)
    # The contact's conversation on this endpoint that this one follows, when a
    # text came after the reopen window had passed.
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            # The inbox: newest activity first, keyset on (last_activity_at, id).
            models.Index(
                fields=["tenant", "-last_activity_at", "-id"], name="conv_tenant_activity"
            ),
            models.Index(
                fields=["tenant", "status", "-last_activity_at", "-id"], name="conv_tenant_status"
            ),
            models.Index(
                fields=["tenant", "assignee", "-last_activity_at", "-id"],
                name="conv_tenant_assignee",
            ),
            models.Index(fields=["tenant", "contact"], name="conv_tenant_contact"),
            # A contact's history, newest first, keyset on id (UUIDv7 is time-ordered).
            models.Index(fields=["tenant", "contact", "-id"], name="conv_tenant_contact_history"),
        ]
        constraints = [
            # One conversation in progress per contact and channel endpoint: a new
            # text joins it, whichever worker processes it (closed ones are history).
            models.UniqueConstraint(
                fields=["tenant", "contact", "channel", "endpoint_id"],
                condition=~models.Q(status="closed"),
                name="conv_one_open_per_endpoint",
            )
        ]


class ConversationLabel(TenantScopedModel):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "conversation", "label"], name="conversation_label_once"
            )
        ]
        indexes = [models.Index(fields=["tenant", "label"], name="convlabel_tenant_label")]


class ConversationRead(TenantScopedModel):
    """How far one member has read one conversation, for unread counts."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reads")
    membership = models.ForeignKey("tenants.Membership", on_delete=models.CASCADE, related_name="+")
    inbound_count_seen = models.PositiveIntegerField(default=0)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "conversation", "membership"], name="read_once_per_member"
            )
        ]


class Reopening(TenantScopedModel):
    """A closed conversation reopened by the contact's new message: a system
    line in the thread ("Reopened by a new message"). No personal data."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "conversation", "-id"], name="reopening_tenant_thread")
        ]
