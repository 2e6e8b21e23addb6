from django.db import models
from django.utils import timezone

from privacy.fields import EncryptedJSONField, EncryptedTextField
from tenants.models import TenantScopedModel


class Message(TenantScopedModel):
    class Direction(models.TextChoices):
        INBOUND = "inbound"
        OUTBOUND = "outbound"

    class SenderKind(models.TextChoices):
        CONTACT = "contact"
        MEMBER = "member"
        SYSTEM = "system"

    class Event(models.TextChoices):
        """What a message is beyond its text: shown as a system line in the thread."""

        NONE = "", "message"
        STOP = "stop", "STOP keyword"
        START = "start", "START keyword"
        HELP = "help", "HELP keyword"
        HELP_ANSWER = "help_answer", "HELP answer"
        AUTO_REPLY = "auto_reply", "out-of-hours reply"
        POLICY_NOTICE = "policy_notice", "privacy-policy notice"

    class Status(models.TextChoices):
        RECEIVED = "received"
        QUEUED = "queued"
        SENT = "sent"
        DELIVERED = "delivered"
        UNDELIVERED = "undelivered"
        FAILED = "failed"

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="messages"
    )
    # The contact is repeated here because the body is encrypted under its key.
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    sender_kind = models.CharField(max_length=8, choices=SenderKind.choices)
    sender = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = EncryptedTextField(subject="contact_id")
    attachments = EncryptedJSONField(subject="contact_id")
    provider_message_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    # A legally required service message (the answer to an SMS HELP): it leaves
    # even when the contact's processing is restricted (privacy.dsr.restriction).
    service = models.BooleanField(default=False)
    # A keyword or an automatic message (Event): a system line, not a conversation turn.
    event = models.CharField(max_length=16, choices=Event.choices, blank=True, default="")
    # The privacy-policy version in force when the message was collected or sent.
    policy_version = models.CharField(max_length=32, blank=True)
    # The consent it was sent under (a visitor's special-category consent):
    # withdrawing that consent deletes the message (privacy.consent).
    consent = models.ForeignKey(
        "consent.ConsentEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failure_code = models.CharField(max_length=32, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # A thread page: newest first, keyset on id (UUIDv7 is time-ordered).
            models.Index(fields=["tenant", "conversation", "-id"], name="message_tenant_thread"),
            models.Index(
                fields=["tenant", "consent"],
                condition=models.Q(consent__isnull=False),
                name="message_tenant_consent",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="message_provider_id_once",
            )
        ]


class Note(TenantScopedModel):
    """An internal note on a conversation: encrypted, never sent."""

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="notes"
    )
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        "tenants.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = EncryptedTextField(subject="contact_id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "conversation", "-id"], name="note_tenant_thread")
        ]
