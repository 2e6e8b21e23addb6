"""The audit log: append-only events, the seals that chain them, and security alerts.

Requests only ever INSERT events. A periodic job seals them into a hash chain by
writing rows of its own (``AuditSeal``), so an event row is never updated, not
even to be sealed. PostgreSQL triggers refuse UPDATE and DELETE on both tables;
the only sanctioned path past them is retention (audit/retention.py).
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from audit import actions
from instaply.ids import uuid7
from tenants.models.base import TenantQuerySet


class AppendOnlyError(Exception):
    """An attempt to change or delete audit evidence through the ORM."""


class AppendOnlyQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} rows are append-only.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.label} rows are append-only.")

    def dangerously_prune(self) -> int:
        """Deletes rows; only retention may call this, inside ``pgtrigger.ignore``."""
        deleted, _ = super().delete()
        return deleted


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError(f"{self._meta.label} rows are append-only.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} rows are append-only.")


def _protected(name: str):
    return pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete)


# Actions whose events the alert rules read; the partial indexes below serve them.
LOGIN_FAILURES = sorted(actions.LOGIN_FAILURES)


class AuditEvent(AppendOnlyModel):
    """One access attempt or change: who did what to which object, with what outcome.

    Actor and target are kinds and ids, never foreign keys: the evidence must
    outlive the rows it talks about. ``metadata`` is a small flat JSON object that
    never holds personal content (see audit.recorder).
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"
        DENIED = "denied", "Denied"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # No database constraint and no cascade: a deleted tenant's audit trail stays
    # until retention removes it. Null for platform events.
    tenant = models.ForeignKey(
        "tenants.Tenant",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_kind = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64, blank=True)
    # The membership behind a member or API-token actor: "what did this person do".
    actor_member_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=64)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS)
    target_kind = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            # Export and tenant listing: keyset on (created_at, id) inside a tenant.
            models.Index(fields=["tenant", "created_at", "id"], name="audit_tenant_time"),
            # Export's action filter. Every full index here is paid by every request
            # that reads personal data, and read events are most of the log: they
            # skip this one (filtering on them walks audit_tenant_time, where most
            # rows match anyway). bench/audit_bench.py measures the write.
            models.Index(
                fields=["tenant", "action", "created_at"],
                condition=~Q(action=actions.PERSONAL_DATA_READ),
                name="audit_tenant_action_no_read",
            ),
            # Sealing's look-back window and retention's scan.
            models.Index(fields=["created_at"], name="audit_time"),
            # Alert rules; partial, so the hot path (reads) pays nothing for them.
            models.Index(
                fields=["ip", "created_at"],
                condition=Q(action__in=LOGIN_FAILURES),
                name="audit_login_fail_ip",
            ),
            models.Index(
                fields=["target_id", "created_at"],
                condition=Q(action__in=LOGIN_FAILURES),
                name="audit_login_fail_target",
            ),
            models.Index(
                fields=["actor_id", "ip"],
                condition=Q(action=actions.AUTH_LOGIN_SUCCEEDED),
                name="audit_login_ok_actor",
            ),
            models.Index(
                fields=["tenant", "actor_member_id", "created_at"],
                condition=Q(action=actions.ACCESS_DENIED),
                name="audit_denied_member",
            ),
        ]
        triggers = [_protected("append_only")]

    def __str__(self) -> str:
        return f"{self.action} {self.outcome} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class AuditSeal(AppendOnlyModel):
    """One link of the hash chain: an event's place in it, or a retention checkpoint.

    ``seq``/``prev_hash`` chain every seal globally; ``tenant_seq``/
    ``tenant_prev_hash`` chain the seals of one tenant (or of the platform), so
    a tenant can check the completeness of its own slice. ``hash`` covers both
    (see audit.chain for the canonical encoding).
    """

    class Kind(models.TextChoices):
        EVENT = "event", "Event"
        CHECKPOINT = "checkpoint", "Retention checkpoint"

    seq = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.EVENT)
    # A real foreign key: with it, an event cannot be deleted while its seal exists.
    event = models.OneToOneField(
        AuditEvent, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="seal"
    )
    tenant_id = models.UUIDField(null=True, blank=True)
    tenant_seq = models.BigIntegerField(null=True, blank=True)
    tenant_prev_hash = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    checkpoint = models.JSONField(null=True, blank=True)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant_id", "tenant_seq"], name="seal_tenant_seq")]
        triggers = [_protected("append_only")]

    def __str__(self) -> str:
        return f"seal {self.seq} ({self.kind})"


class ChainHead(models.Model):
    """Where each chain ends, so sealing appends without scanning.

    Key ``global`` is the whole chain; its row is also the sealing lock, and its
    ``safe_since`` says that every event created before it is sealed. Keys
    ``tenant:<id>`` and ``platform`` are the per-tenant chains. Verification
    compares the heads with the chain: deleting the newest links shows.
    """

    GLOBAL = "global"
    PLATFORM = "platform"

    key = models.CharField(max_length=64, primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    safe_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.key} at {self.seq}"

    @staticmethod
    def key_for(tenant_id) -> str:
        return f"tenant:{tenant_id}" if tenant_id else ChainHead.PLATFORM


class SecurityAlert(models.Model):
    """A rule over the event stream fired: shown to platform security and, for a
    tenant's alert, to its owners and admins. The summary names no person."""

    class Rule(models.TextChoices):
        FAILED_LOGINS = "failed_logins", "Burst of failed sign-ins"
        ACCESS_DENIALS = "access_denials", "Burst of access denials"
        EXPORT_VOLUME = "export_volume", "Export volume spike"
        NEW_LOGIN_IP = "new_login_ip", "Owner or admin sign-in from a new IP address"
        UNREADABLE_DATA = "unreadable_data", "Stored data that does not decrypt"
        PLATFORM_DENIALS = "platform_denials", "Platform person refused again and again"
        NEW_LOGIN_COUNTRY = "new_login_country", "Owner or admin sign-in from a new country"
        NEW_LOGIN_DEVICE = "new_login_device", "Owner or admin sign-in from a new device"

    class Severity(models.TextChoices):
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rule = models.CharField(max_length=24, choices=Rule.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    summary = models.CharField(max_length=300)
    subject_kind = models.CharField(max_length=16)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_ip = models.GenericIPAddressField(null=True, blank=True)
    # rule|tenant|subject; with the window's bucket it makes dedup_key.
    subject_key = models.CharField(max_length=200)
    dedup_key = models.CharField(max_length=220)
    window_seconds = models.PositiveIntegerField()
    event_count = models.PositiveIntegerField()
    first_event_at = models.DateTimeField()
    last_event_at = models.DateTimeField()
    last_event_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("receive_security_alerts", "Receives security alerts by email")]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=Q(acknowledged_at__isnull=True),
                name="alert_one_open_per_window",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="alert_tenant_created"),
            models.Index(fields=["subject_key", "-last_event_at"], name="alert_subject_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} ({self.severity})"
