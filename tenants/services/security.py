"""Tenant-wide security settings."""

from django.db import transaction

from audit.recorder import Actor, record
from tenants.models import Membership, Tenant


@transaction.atomic
def tenant_security_update(*, actor: Membership, require_2fa_for_all: bool) -> Tenant:
    """Requiring 2FA for everyone applies at each member's next request: those
    without an authenticator are sent to set one up."""
    tenant = Tenant.objects.select_for_update().get(pk=actor.tenant_id)
    before = tenant.require_2fa_for_all
    if before != require_2fa_for_all:
        tenant.require_2fa_for_all = require_2fa_for_all
        tenant.save(update_fields=["require_2fa_for_all"])
        record(
            "tenant.security.updated",
            tenant=tenant,
            actor=Actor.member(actor),
            target=("tenant", tenant.pk),
            metadata={"require_2fa_for_all": require_2fa_for_all, "previous": before},
        )
    return tenant
