"""Changing a tenant's retention choices (the engine that applies them is
privacy/retention/run.py)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit import actions
from audit.recorder import Actor, record
from instaply.errors import Forbidden, Invalid
from privacy.retention.models import RetentionPolicy
from privacy.retention.run import retention_preview
from tenants.models import Membership
from tenants.permissions import Capability, denial_message

# Who hears of a change: owners and privacy officers (the people who answer for
# what the workspace keeps), whoever made it.
NOTICE_CAPABILITY = Capability.PRIVACY_REQUESTS


def retention_bounds() -> tuple[int, int]:
    """The platform's (minimum, maximum) days, for both values."""
    return settings.RETENTION_MIN_DAYS, settings.RETENTION_MAX_DAYS


def _days(value, name: str) -> int:
    low, high = retention_bounds()
    # bool is an int in Python: "true" days is a client's mistake, not 1 day.
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(
            f"{name} must be a whole number of days.", fields={name: ["A whole number of days."]}
        )
    if not low <= value <= high:
        raise Invalid(
            f"{name} must be between {low} and {high} days.",
            fields={name: [f"Between {low} and {high} days."]},
        )
    return value


def retention_values_check(inactive_days, closed_days=None) -> tuple[int, int | None]:
    """The two values as whole days within the platform's bounds, or Invalid
    naming each field that is not (closed_days may be None: no earlier deletion)."""
    inactive = _days(inactive_days, "inactive_days")
    if closed_days is None or closed_days == "":
        return inactive, None
    closed = _days(closed_days, "closed_days")
    if closed > inactive:
        raise Invalid(
            "closed_days cannot be more than inactive_days: closed conversations "
            "go sooner, or at the same time.",
            fields={"closed_days": [f"At most inactive_days ({inactive})."]},
        )
    return inactive, closed


def _require_manager(membership: Membership) -> None:
    if not membership.can(Capability.RETENTION_MANAGE):
        raise Forbidden(denial_message(membership.role, Capability.RETENTION_MANAGE))


def _locked_policy(tenant_id) -> tuple[RetentionPolicy, bool]:
    """The tenant's row, locked, and whether it was just created with the
    defaults (a concurrent creator wins: its row is locked instead)."""
    rows = RetentionPolicy.objects.for_tenant(tenant_id).select_for_update()
    policy = rows.first()
    if policy is not None:
        return policy, False
    try:
        with transaction.atomic():
            created = RetentionPolicy.objects.create(
                tenant_id=tenant_id, inactive_days=settings.RETENTION_INACTIVE_DAYS_DEFAULT
            )
            return created, True
    except IntegrityError:
        return rows.get(), False


@transaction.atomic
def retention_policy_set(
    *, membership: Membership, inactive_days, closed_days=None, request=None
) -> RetentionPolicy:
    """Sets the tenant's retention. Audited with the numbers before and after;
    owners and privacy officers get an in-app notice. Setting the same values
    again changes nothing and records nothing."""
    _require_manager(membership)
    inactive, closed = retention_values_check(inactive_days, closed_days)
    policy, created = _locked_policy(membership.tenant_id)
    before = (policy.inactive_days, policy.closed_days)
    if before == (inactive, closed) and not created:
        return policy
    shorter = is_shorter(policy, inactive, closed)
    policy.inactive_days, policy.closed_days = inactive, closed
    policy.updated_at, policy.updated_by = timezone.now(), membership
    policy.save(update_fields=["inactive_days", "closed_days", "updated_at", "updated_by"])
    changes = {
        "inactive_days_before": before[0],
        "inactive_days_after": inactive,
        "closed_days_before": before[1],
        "closed_days_after": closed,
    }
    record(
        actions.RETENTION_POLICY_CHANGED,
        request=request,
        tenant=membership.tenant_id,
        actor=None if request is not None else Actor.member(membership),
        target=("retention_policy", policy.pk),
        metadata={**changes, "shorter": shorter},
    )
    from tenants.services.notices import notice_post

    notice_post(
        tenant=membership.tenant,
        capability=NOTICE_CAPABILITY,
        kind="retention.changed",
        link=reverse("web:retention"),
        params={**changes, "role": membership.role},
    )
    return policy


def is_shorter(policy: RetentionPolicy, inactive_days: int, closed_days: int | None) -> bool:
    """Whether these values delete sooner than ``policy``: something the next
    run would keep under the policy, it would delete under them."""
    closed_before = policy.closed_days or policy.inactive_days
    closed_after = closed_days or inactive_days
    return inactive_days < policy.inactive_days or closed_after < closed_before


def retention_preview_for(*, tenant, inactive_days=None, closed_days=None, now=None) -> dict:
    """What the next run would delete (counts per kind): under the tenant's
    policy, or under the values given (checked first), before they are saved."""
    if inactive_days is None:
        return retention_preview(tenant, now=now)
    inactive, closed = retention_values_check(inactive_days, closed_days)
    # The engine reads the policy from the database: the proposed values are
    # written in a transaction that is always rolled back (a savepoint inside one).
    with transaction.atomic():
        rows = RetentionPolicy.objects.for_tenant(tenant)
        if not rows.update(inactive_days=inactive, closed_days=closed):
            rows.create(tenant=tenant, inactive_days=inactive, closed_days=closed)
        counts = retention_preview(tenant, now=now)
        transaction.set_rollback(True)
    return counts
