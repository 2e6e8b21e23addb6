"""Which privacy-policy version was in force when."""

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from privacy.policies.models import PolicyVersion

# The published versions change a few times a year; every new contact and
# message asks, so the list is cached and dropped when one is published.
CACHE_KEY = "policies:published:v1"
CACHE_SECONDS = 300


def published_versions() -> list[tuple[dt.datetime, str]]:
    """(effective_at, version) of every published version, newest first."""
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = list(
            PolicyVersion.objects.filter(published_at__isnull=False)
            .order_by("-effective_at")
            .values_list("effective_at", "version")
        )
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    return cached


def forget_published_versions() -> None:
    """Call after publishing: the next question reads the table again."""
    cache.delete(CACHE_KEY)


def version_in_force(at: dt.datetime | None = None) -> str:
    """The version in force at ``at`` (now by default), or "" before the first."""
    at = at or timezone.now()
    for effective_at, version in published_versions():
        if effective_at <= at:
            return version
    return ""
