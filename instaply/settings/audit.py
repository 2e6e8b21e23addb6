"""Audit log and security alerts (docs/audit-log.md)."""

from django.core.exceptions import ImproperlyConfigured

from instaply import env

AUDIT_RETENTION_DAYS = env.integer("AUDIT_RETENTION_DAYS", 396)  # about 13 months
AUDIT_SEAL_INTERVAL_SECONDS = env.integer("AUDIT_SEAL_INTERVAL_SECONDS", 60)
# Longest time an event may wait between record() and its transaction's commit
# (long transactions, clock skew between hosts); sealing looks back this far.
AUDIT_SEAL_LOOKBACK_SECONDS = env.integer("AUDIT_SEAL_LOOKBACK_SECONDS", 3600)
AUDIT_SEAL_BATCH_SIZE = 1000
AUDIT_METADATA_MAX_BYTES = 4096


def _alert_threshold(name: str, default: tuple[int, int]) -> tuple[int, int]:
    """A rule threshold, "count/seconds" in the environment: (events, window)."""
    raw = env.text(name)
    if not raw:
        return default
    count, _, seconds = raw.partition("/")
    try:
        threshold = int(count), int(seconds)
    except ValueError:
        threshold = (0, 0)
    if min(threshold) < 1:
        raise ImproperlyConfigured(f"{name} must be 'count/seconds', e.g. '10/300'; got {raw!r}")
    return threshold


SECURITY_ALERT_FAILED_LOGINS = _alert_threshold("SECURITY_ALERT_FAILED_LOGINS", (10, 300))
SECURITY_ALERT_ACCESS_DENIALS = _alert_threshold("SECURITY_ALERT_ACCESS_DENIALS", (20, 300))
SECURITY_ALERT_PLATFORM_DENIALS = _alert_threshold("SECURITY_ALERT_PLATFORM_DENIALS", (10, 300))
SECURITY_ALERT_EXPORTS = _alert_threshold("SECURITY_ALERT_EXPORTS", (5, 3600))
SECURITY_ALERT_NEW_LOGIN_IP_WINDOW = env.integer("SECURITY_ALERT_NEW_LOGIN_IP_WINDOW", 86400)
