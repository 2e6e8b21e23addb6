"""The reporting database's tables: identifiers and facts, nothing that names anyone.

Every ``*_key`` is an opaque key (analytics.reporting.keys): a keyed hash of a
main-database id, per kind of id, under a key the reporting side never holds.
The same conversation always has the same key, so facts join with each other,
but no key leads back to a row of the main database, and there is no contact
key at all (it would link one person's conversations). Times are whole hours.

``ConversationFact`` and ``MessageFact`` are what the BI reader role may read;
``ExtractMark`` and ``ForgottenKey`` are the extract's own bookkeeping.
"""

from django.db import models

KEY_LENGTH = 64  # hex of HMAC-SHA256


class ConversationFact(models.Model):
    key = models.CharField(primary_key=True, max_length=KEY_LENGTH)
    tenant_key = models.CharField(max_length=KEY_LENGTH)
    shop_key = models.CharField(max_length=KEY_LENGTH)
    channel = models.CharField(max_length=16)
    status = models.CharField(max_length=8)
    opened_hour = models.DateTimeField()
    # From opening to the first reply written by a member; empty until one.
    first_response_seconds = models.PositiveIntegerField(null=True)
    closed_hour = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant_key", "opened_hour"], name="rep_conv_tenant_opened"),
            models.Index(fields=["shop_key", "opened_hour"], name="rep_conv_shop_opened"),
        ]

    def __str__(self) -> str:
        return self.key


class MessageFact(models.Model):
    key = models.CharField(primary_key=True, max_length=KEY_LENGTH)
    tenant_key = models.CharField(max_length=KEY_LENGTH)
    shop_key = models.CharField(max_length=KEY_LENGTH)
    conversation_key = models.CharField(max_length=KEY_LENGTH)
    channel = models.CharField(max_length=16)
    direction = models.CharField(max_length=8)
    sender_kind = models.CharField(max_length=8)
    hour = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["tenant_key", "hour"], name="rep_msg_tenant_hour"),
            # Forgetting a conversation takes its messages' facts with it.
            models.Index(fields=["conversation_key"], name="rep_msg_conversation"),
        ]

    def __str__(self) -> str:
        return self.key


class ExtractMark(models.Model):
    """How far the extract has read one source, written in the transaction of the
    facts it covers (so a stopped run resumes exactly), and locked by each batch
    (so two runs take turns). ``position`` is a UUIDv7 millisecond for
    new rows (never an id itself), or the live feed's sequence for changes."""

    class Name(models.TextChoices):
        CONVERSATIONS = "conversations"
        MESSAGES = "messages"
        CHANGES = "changes"

    name = models.CharField(primary_key=True, max_length=16, choices=Name.choices)
    position = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name


class ForgottenKey(models.Model):
    """A key whose source row was erased or deleted: the extract never writes it
    back, even from a batch it read just before the deletion. Kept a few days."""

    key = models.CharField(primary_key=True, max_length=KEY_LENGTH)
    forgotten_hour = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key
