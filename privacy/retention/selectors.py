"""Reads of retention choices."""

from privacy.retention.models import RetentionPolicy


def retention_policy_for(tenant) -> RetentionPolicy:
    """The tenant's policy, or the platform's defaults (unsaved) if it set none."""
    policy = RetentionPolicy.objects.for_tenant(tenant).first()
    return policy if policy is not None else RetentionPolicy.defaults(tenant)
