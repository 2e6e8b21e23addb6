from django.db import models
from django.db.models.functions import Now

from tenants.models import TenantScopedModel


class FeedEvent(TenantScopedModel):
    """One entry of a tenant's live feed: ids and states only, never content.

    The feed's cursor is ``seq``. Rows are written after the change they
    describe has committed, each in its own short transaction, and readers only
    take rows a moment old, so a reader never steps past a row still committing.
    """

    class Kind(models.TextChoices):
        MESSAGE_CREATED = "message.created"
        MESSAGE_STATUS = "message.status_changed"
        CONVERSATION_UPDATED = "conversation.updated"
        ASSIGNMENT_CHANGED = "conversation.assignment_changed"
        NOTE_CREATED = "note.created"

    seq = models.BigAutoField(primary_key=True)
    id = None  # the sequence is the key here
    kind = models.CharField(max_length=40, choices=Kind.choices)
    conversation_id = models.UUIDField()
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "seq"], name="feed_event_tenant_seq"),
            # Erasure removes a conversation's events (privacy.dsr.erasure).
            models.Index(fields=["tenant", "conversation_id"], name="feed_event_tenant_conv"),
        ]
