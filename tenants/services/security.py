"""Tenant-wide security settings."""

from django.db import transaction

from tenants.models import Membership, Tenant
from tenants.services.tenancy import tenant_setting_change


@transaction.atomic
def tenant_security_update(*, actor: Membership, require_2fa_for_all: bool) -> Tenant:
    """Requiring 2FA for everyone applies at each member's next request: those
    without an authenticator are sent to set one up."""
    return tenant_setting_change(
        actor=actor,
        field="require_2fa_for_all",
        value=require_2fa_for_all,
        action="tenant.security.updated",
    )
