"""What each person wants to be told, the mentions that tell them, and the
emails owed to them. Ids, flags and times only: no one's content is stored here
(a mention points at its note, whose body stays encrypted in conversations)."""

from django.db import models
from django.utils import timezone

from tenants.models import TenantScopedModel


class Preference(TenantScopedModel):
    """One member's choices. A member with no row has the defaults below: email
    on assignment and mention on, desktop and sound off until they choose."""

    member = models.ForeignKey("tenants.Membership", on_delete=models.CASCADE, related_name="+")
    # New messages in conversations assigned to them or unassigned (notify.js).
    desktop = models.BooleanField(default=False)
    sound = models.BooleanField(default=False)
    email_on_assignment = models.BooleanField(default=True)
    email_on_mention = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "member"], name="notify_pref_once")
        ]


class Mention(TenantScopedModel):
    """``@name`` of a member in an internal note: their in-app notice until read.
    Goes with the note (erasure, retention) through the cascade."""

    note = models.ForeignKey("conversations.Note", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey("tenants.Membership", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        "tenants.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "note", "member"], name="notify_mention_once")
        ]
        indexes = [
            # A member's mentions, newest first (the notices page, the unread count).
            models.Index(fields=["tenant", "member", "-created_at"], name="notify_mention_member"),
            models.Index(fields=["tenant", "conversation"], name="notify_mention_conv"),
        ]


class EmailNotice(TenantScopedModel):
    """An email owed to one member (assigned to them, mentioned): queued in the
    transaction of the change, sent by a task that takes its id, marked sent
    after the mail server took it, or skipped with the reason (their preference
    changed, they can no longer read the conversation)."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned"
        MENTIONED = "mentioned"

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        SKIPPED = "skipped"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    member = models.ForeignKey("tenants.Membership", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    mention = models.ForeignKey(Mention, null=True, on_delete=models.CASCADE, related_name="+")
    # Who assigned or mentioned: a member of the same tenant, named in the email.
    actor = models.ForeignKey(
        "tenants.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    skip_reason = models.CharField(max_length=32, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "member", "-queued_at"], name="notify_email_member"),
            models.Index(fields=["tenant", "conversation"], name="notify_email_conv"),
            # The sweeper's look for emails still owed, across tenants (platform work).
            models.Index(
                fields=["queued_at"],
                condition=models.Q(status="queued"),
                name="notify_email_queued",
            ),
        ]
