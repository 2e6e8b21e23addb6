"""The security measures in force for one tenant, as the record states them.

The audit chain is verified here, for the tenant's own links only
(``audit.verification.verify_tenant_chain``): nothing stores a verification
result, and the tenant's part is a walk of its own seals, cheap next to the
global chain and run only by the refresh task (on a change of configuration
and once a day), never by a page. Its outcome (intact, broken, nothing sealed
yet) is configuration-like and goes in the hash; how far it reached changes
with every sealing run and goes under ``as_of``.
"""

import datetime as dt

from django.conf import settings

from audit.verification import verify_tenant_chain
from privacy.models import TenantKey
from tenants.access import TWO_FACTOR_ROLES
from tenants.models import Tenant

ALGORITHM = "AES-256-GCM"


def security_measures(tenant: Tenant, *, now: dt.datetime) -> tuple[dict, dict]:
    """(the measures, the volatile facts of the chain check)."""
    chain, checked = _audit_chain(tenant, now)
    measures = {
        "encryption": _encryption(tenant),
        "two_factor": {
            "required_for_all": tenant.require_2fa_for_all,
            # Owners, admins and privacy members need it whatever the tenant chose.
            "always_required_roles": [str(role) for role in TWO_FACTOR_ROLES],
        },
        "audit_chain": chain,
        "backup_encryption": _backups(),
    }
    return measures, checked


def _encryption(tenant: Tenant) -> dict:
    key = (
        TenantKey.objects.for_tenant(tenant)
        .filter(purpose=TenantKey.Purpose.DATA)
        .order_by("-version")
        .first()
    )
    # Rotation adds a tenant-key version: the current version's creation is the
    # last rotation, unless it is the first version (never rotated).
    rotated = key is not None and key.version > 1
    return {
        "algorithm": ALGORITHM,
        # Each contact has its own data key, wrapped by the tenant key.
        "data_keys": "per_contact",
        "tenant_key_version": key.version if key is not None else None,
        "master_key_version": key.master_version if key is not None else None,
        "last_rotation": key.created_at.isoformat() if rotated else None,
    }


def _audit_chain(tenant: Tenant, now: dt.datetime) -> tuple[dict, dict]:
    verdict = verify_tenant_chain(tenant)
    if not verdict.intact:
        status = "broken"
    elif verdict.events:
        status = "intact"
    else:
        status = "nothing_sealed"
    chain = {"status": status, "broken_at": verdict.broken_seq if status == "broken" else None}
    checked = {
        "checked_at": now.isoformat(),
        "events_verified": verdict.events,
        "last_seq": verdict.last_seq,
        "pending": verdict.pending,
        "reason": verdict.reason,
    }
    return chain, checked


def _backups() -> dict:
    # The platform's own backups (manage.py backup, backups/) are encrypted as
    # described; BACKUP_ENCRYPTION, when set, names what the operator adds (e.g.
    # the storage's own encryption).
    own = (
        "manage.py backup: AES-256-GCM in authenticated chunks under a backup key "
        "derived (HKDF) from the master key; database backups hold no key material, "
        f"key backups are kept apart for {settings.KEY_BACKUP_RETENTION_DAYS} days"
    )
    described = settings.BACKUP_ENCRYPTION.strip()
    return {"status": "configured", "description": f"{own}; {described}" if described else own}
