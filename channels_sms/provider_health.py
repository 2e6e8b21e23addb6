"""Whether each SMS provider answers: a circuit per provider, kept in the cache.

Every send that reaches the provider says how it went: a transient failure
(a 5xx, a timeout, a refused connection) counts one more consecutive failure; a
provider answer of any other kind (accepted, or refused for good: the provider
is there) closes the circuit. After ``SMS_PROVIDER_DEGRADED_FAILURES`` failures
in a row the circuit is open: ``/readyz`` reports ``sms_providers`` degraded
(not down: the web tier and the inbox work, replies wait and retry with backoff,
channels_sms/services/outbound.py). A circuit nothing touched for
``SMS_PROVIDER_DEGRADED_SECONDS`` closes by itself (its key expires): no traffic,
no evidence.

Sends are not refused while the circuit is open: their backoff already spaces
them, and the next send that goes through closes the circuit.
"""

import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger("instaply.sms")


def provider_failed(provider: str) -> None:
    """One more transient failure in a row (best effort: a cache down loses the count)."""
    key, ttl = _key(provider), settings.SMS_PROVIDER_DEGRADED_SECONDS
    try:
        if cache.add(key, 1, timeout=ttl):
            return
        cache.incr(key)
        cache.touch(key, ttl)
    except Exception:  # noqa: BLE001 (never fail a send over its bookkeeping)
        log.warning("provider health: the cache is unavailable; %s not counted", provider)


def provider_answered(provider: str) -> None:
    try:
        cache.delete(_key(provider))
    except Exception:  # noqa: BLE001
        log.warning("provider health: the cache is unavailable; %s not reset", provider)


def providers_failing() -> list[str]:
    """The providers whose circuit is open, by name."""
    from channels_sms.models import Provider

    names = list(Provider.values)
    counts = cache.get_many([_key(name) for name in names])
    threshold = settings.SMS_PROVIDER_DEGRADED_FAILURES
    return [name for name in names if counts.get(_key(name), 0) >= threshold]


def _key(provider: str) -> str:
    return f"{settings.SMS_PROVIDER_HEALTH_KEY_PREFIX}:{provider}"
