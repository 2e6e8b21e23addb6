"""Credentials that give access to one tenant: invitations and API tokens.

Only SHA-256 digests of the secrets are stored; the secrets are random enough
(256 bits) that a slow hash would add nothing but latency.
"""

from django.db import models
from django.utils import timezone

from tenants.models.base import TenantScopedModel
from tenants.models.tenancy import Role


class Invitation(TenantScopedModel):
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    invited_by = models.ForeignKey(
        "tenants.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "-created_at"], name="invitation_tenant_created")]

    def is_usable(self, now) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class ApiToken(TenantScopedModel):
    membership = models.ForeignKey(
        "tenants.Membership", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "membership", "-created_at"], name="token_tenant_member")
        ]
