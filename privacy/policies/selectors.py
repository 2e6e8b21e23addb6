"""Which privacy-policy version was in force when."""

import datetime as dt
import hashlib

from django.core.cache import cache
from django.db import connections, router
from django.utils import timezone

from instaply.errors import NotFound
from privacy.policies.models import PolicyServiceMessage, PolicyVersion

# The published versions change a few times a year; every new contact and
# message asks, so the list is cached and dropped when one is published.
CACHE_KEY = "policies:published:v1"
CACHE_SECONDS = 300


def _cache_key() -> str:
    # One list per database: processes on different databases sharing one Redis
    # (parallel test processes, each with its own test database) must not read
    # each other's versions.
    name = str(connections[router.db_for_read(PolicyVersion)].settings_dict["NAME"])
    return f"{CACHE_KEY}:{hashlib.sha256(name.encode()).hexdigest()[:16]}"


def published_versions() -> list[tuple[dt.datetime, str]]:
    """(effective_at, version) of every published version, newest first."""
    key = _cache_key()
    cached = cache.get(key)
    if cached is None:
        cached = list(
            PolicyVersion.objects.filter(published_at__isnull=False)
            .order_by("-effective_at")
            .values_list("effective_at", "version")
        )
        cache.set(key, cached, CACHE_SECONDS)
    return cached


def forget_published_versions() -> None:
    """Call after publishing: the next question reads the table again."""
    cache.delete(_cache_key())


def version_in_force(at: dt.datetime | None = None) -> str:
    """The version in force at ``at`` (now by default), or "" before the first."""
    at = at or timezone.now()
    for effective_at, version in published_versions():
        if effective_at <= at:
            return version
    return ""


# The console and the pages ---------------------------------------------------


def version_list():
    """Every version, drafts included, newest effective date first (the DPO's list)."""
    return PolicyVersion.objects.select_related("created_by__user", "published_by__user").order_by(
        "-effective_at", "-created_at"
    )


def version_get(*, id) -> PolicyVersion:
    version = version_list().filter(pk=id).first()
    if version is None:
        raise NotFound("No privacy-policy version with this id.")
    return version


def published_list():
    """Published versions, newest effective date first (index policy_published_effective)."""
    return PolicyVersion.objects.filter(published_at__isnull=False).order_by("-effective_at")


def published_get(*, version: str) -> PolicyVersion | None:
    """A published version by its label; a draft is nobody's to read but the DPO's."""
    return published_list().filter(version=version).first()


def version_current(at: dt.datetime | None = None) -> PolicyVersion | None:
    """The published version in force at ``at`` (now by default), or None."""
    return published_list().filter(effective_at__lte=at or timezone.now()).first()


def service_messages_of(tenant) -> dict:
    """The tenant's service messages by version id."""
    return {
        message.version_id: message
        for message in PolicyServiceMessage.objects.for_tenant(tenant).order_by("created_at")
    }
