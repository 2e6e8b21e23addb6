"""Reads about platform people: who they are and what they have asked for."""

from django.db.models import Count, Q
from django.utils import timezone

from platform_staff.models import AccessGrant, PlatformStaff


def platform_staff_get(*, email: str) -> PlatformStaff | None:
    return (
        PlatformStaff.objects.select_related("user")
        .filter(user__email__iexact=(email or "").strip())
        .first()
    )


def grant_counts(*, staff: PlatformStaff, now=None) -> dict[str, int]:
    """A support person's own requests: waiting for a tenant, and live now.

    Expiry is a matter of time (``AccessGrant.state``), so the counts compare
    with ``now`` rather than trusting a sweep to have run.
    """
    now = now or timezone.now()
    counts = (
        AccessGrant.objects.dangerously_unscoped(
            reason="a support person's own requests span the tenants they asked"
        )
        .filter(requested_by=staff)  # index grant_requester_status
        .aggregate(
            pending=Count("pk", filter=Q(status="pending", decision_due_at__gt=now)),
            live=Count("pk", filter=Q(status="approved", expires_at__gt=now)),
        )
    )
    return {"pending": counts["pending"], "live": counts["live"]}
