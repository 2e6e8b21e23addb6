"""Login data: one row per sign-in session of a person (tenant staff and platform
staff alike), kept LOGIN_DATA_RETENTION_DAYS for administration and abuse defence.

A person may work in several workspaces in one session, so a row has no tenant:
the routes it used are counted per workspace (``routes``), and a workspace's
admins see only the counts of their own workspace (selectors).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from instaply.ids import uuid7

# The key under which the routes used outside any workspace are counted
# (the account pages, the platform console).
NO_TENANT = "-"


class LoginSession(models.Model):
    class EndReason(models.TextChoices):
        SIGNED_OUT = "signed_out", "Signed out"
        SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere", "Signed out from another session"
        SIGNED_OUT_BY_ADMIN = "signed_out_by_admin", "Signed out by an admin"
        IDLE_TIMEOUT = "idle_timeout", "Idle timeout"
        REVOKED = "revoked", "Access revoked"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions"
    )
    # The Django session this row follows, so that it can be ended at once; kept
    # up to date when the key changes (second factor, password change), emptied
    # when the session ends.
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    platform_staff = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    last_active_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=24, choices=EndReason.choices, blank=True)
    # Seconds between the once-a-minute activity marks that were close together.
    active_seconds = models.PositiveIntegerField(default=0)
    ip = models.GenericIPAddressField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)  # ISO 3166 alpha-2 or empty
    browser_family = models.CharField(max_length=64, blank=True)
    os_family = models.CharField(max_length=64, blank=True)
    device_family = models.CharField(max_length=64, blank=True)
    referrer_host = models.CharField(max_length=253, blank=True)
    # {"<tenant id>" or NO_TENANT: {"<route name or pattern>": count}}: never a URL.
    routes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            # A person's sessions, newest first; the alert rules' history.
            models.Index(fields=["user", "started_at"], name="login_session_user_started"),
            # The retention purge: by a range of last activity.
            models.Index(fields=["last_active_at"], name="login_session_last_active"),
        ]

    def __str__(self) -> str:
        return f"login session {self.pk}"

    @property
    def active_minutes(self) -> int:
        return self.active_seconds // 60

    def routes_in(self, tenant_id) -> dict[str, int]:
        return dict(self.routes.get(str(tenant_id), {}))

    def all_routes(self) -> dict[str, int]:
        merged: dict[str, int] = {}
        for counts in self.routes.values():
            for route, count in counts.items():
                merged[route] = merged.get(route, 0) + count
        return merged
