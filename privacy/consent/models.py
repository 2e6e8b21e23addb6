"""The consent ledger: append-only, one row per thing a contact agreed to or
withdrew. The current state of a purpose is the newest row for it
(privacy.consent.selectors)."""

import pgtrigger
from django.db import models
from django.utils import timezone

from privacy.fields import EncryptedJSONField
from tenants.models import TenantScopedModel


class Purpose(models.TextChoices):
    SPECIAL_CATEGORY_DATA = "special_category_data", "Special-category data"
    MARKETING = "marketing", "Marketing"
    # SMS STOP / START: whether the person accepts texts at all.
    SMS_MESSAGES = "sms_messages", "Text messages"
    # A 15-17-year-old's parent or guardian agreed (privacy.minors).
    PARENTAL_AUTHORISATION = "parental_authorisation", "Parental authorisation"


class ConsentEntry(TenantScopedModel):
    class Action(models.TextChoices):
        GIVEN = "given", "Given"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Channel(models.TextChoices):
        WIDGET = "widget", "Website chat"
        SMS_KEYWORD = "sms_keyword", "SMS keyword"
        # Staff recording what the person told them (on the subject's instruction).
        STAFF = "staff", "Staff, on the person's instruction"
        API = "api", "API"

    contact = models.ForeignKey(
        "conversations.Contact", on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    # What the person was shown when agreeing: the tenant's text and its version
    # (tenant-authored, not personal data), and the privacy policy then in force.
    text = models.TextField(blank=True)
    text_version = models.CharField(max_length=32, blank=True)
    policy_version = models.CharField(max_length=32, blank=True)
    recorded_by = models.ForeignKey(
        "tenants.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    # Personal details of the entry, under the contact's key: who gave a parental
    # authorisation and how, the keyword texted, what a withdrawal deleted.
    details = EncryptedJSONField(subject="contact_id")

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(
                fields=["tenant", "contact", "purpose", "-occurred_at"],
                name="consent_tenant_contact",
            )
        ]
        # Append-only: an entry is never edited (a withdrawal is a new entry). It
        # goes only with its contact (erasure, retention). The one change allowed
        # is the database's own: recorded_by set to NULL when a membership row is
        # deleted (memberships are revoked, not deleted, but a tenant can be).
        triggers = [
            pgtrigger.Protect(
                name="consent_append_only",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(exclude=["recorded_by"]),
            ),
            pgtrigger.Protect(
                name="consent_recorder_only_cleared",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(
                    new__recorded_by__isnull=False,
                    old__recorded_by__df=pgtrigger.F("new__recorded_by"),
                ),
            ),
        ]
