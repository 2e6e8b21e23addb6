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


class MediaFetch(TenantScopedModel):
    """An inbound MMS whose media is to fetch: written in the transaction that
    stores the message, marked done once every item is stored or refused.

    Whether a message carries media is inside its encrypted row, so this row is
    how the sweeper finds a fetch the broker lost (instaply/sweeper.py, rule
    ``mms_media``). Ids and times only: the media URLs stay in the message.
    """

    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Runs of the fetch task (a retry or a sweep counts again) and the last one's
    # start: a fetch tried lately may have its retry scheduled, not lost.
    tries = models.PositiveSmallIntegerField(default=0)
    tried_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One per message; erasure and retention delete by (tenant, message).
            models.UniqueConstraint(fields=["tenant", "message"], name="mms_fetch_message_once")
        ]
        indexes = [
            # The sweeper's list, global by nature: the fetches not done of every
            # tenant, oldest first. Small: done rows leave the index.
            models.Index(
                fields=["created_at"],
                condition=models.Q(done_at__isnull=True),
                name="mms_fetch_waiting",
            ),
        ]
