"""Files in conversations: the row says what a file is; its bytes are a blob in
the attachments storage, encrypted under the contact's data key, like its name."""

from django.db import models
from django.utils import timezone

from privacy.fields import EncryptedJSONField, EncryptedTextField
from tenants.models import TenantScopedModel


class Attachment(TenantScopedModel):
    class Source(models.TextChoices):
        SMS = "sms", "MMS"
        WIDGET = "widget", "widget"
        MEMBER = "member", "member"

    class State(models.TextChoices):
        STORED = "stored"
        # Refused by the rules (type, size) or not fetched: the thread says why.
        REJECTED = "rejected"

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    # The blob and the name are encrypted under this contact's key: erasing it
    # (crypto-shredding) makes any copy left behind unreadable.
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=8, choices=Source.choices)
    state = models.CharField(max_length=8, choices=State.choices)
    # Sniffed from the content, never the declared type.
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    name = EncryptedTextField(subject="contact_id")
    # The provider's media reference an MMS came with (url, declared type).
    origin = EncryptedJSONField(subject="contact_id")
    # Storage names: the tenant's and the row's ids, nothing personal.
    blob = models.CharField(max_length=200, blank=True)
    thumbnail = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "message"], name="attachment_tenant_message"),
            models.Index(fields=["tenant", "conversation"], name="attachment_tenant_conv"),
            models.Index(fields=["tenant", "contact"], name="attachment_tenant_contact"),
        ]
        constraints = [
            # One row per file of a message: fetching an MMS twice stores it once.
            models.UniqueConstraint(
                fields=["tenant", "message", "position"], name="attachment_message_position"
            )
        ]

    @property
    def is_image(self) -> bool:
        return self.state == self.State.STORED and self.content_type.startswith("image/")
