"""The distinct id Mixpanel sees: a pseudonym of the tenant, never its id.

Pseudonym = HMAC-SHA256 of the tenant id under a random secret of the current
calendar month (UTC), created on first use and kept only in our database. When
the month is over the secret is deleted (``secrets_purge``), so after that
nobody, the platform included, can tell which tenant a pseudonym stood for; and
the pseudonyms of two months cannot be joined, so Mixpanel never builds a
tenant's history longer than a month. A keyed hash rather than a plain one: the
tenant ids are few and could be hashed by anyone who learns one.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import IntegrityError, transaction

from analytics.models import PseudonymSecret

# A row tracked at 23:59 on the last day may meet a worker whose clock differs;
# one day of grace costs nothing and never outlives the month by more.
GRACE = dt.timedelta(days=1)


def month_of(when: dt.datetime) -> dt.date:
    return when.astimezone(dt.UTC).date().replace(day=1)


def _secret(month: dt.date) -> bytes:
    row = PseudonymSecret.objects.filter(month=month).first()
    if row is not None:
        return bytes(row.secret)
    try:
        # Its own savepoint: two first events of the month at once, one insert wins.
        with transaction.atomic():
            row = PseudonymSecret.objects.create(month=month, secret=secrets.token_bytes(32))
    except IntegrityError:
        row = PseudonymSecret.objects.get(month=month)
    return bytes(row.secret)


def pseudonym(tenant_id, *, when: dt.datetime) -> str:
    """The tenant's pseudonym for the month of ``when`` (64 hex characters)."""
    return _digest(_secret(month_of(when)), tenant_id)


def _digest(key: bytes, tenant_id) -> str:
    return hmac.new(key, str(tenant_id).encode(), hashlib.sha256).hexdigest()


def pseudonyms_existing(tenant_id) -> list[str]:
    """The tenant's pseudonyms under every secret still kept (this month's, and
    last month's during the grace day)."""
    secrets_kept = PseudonymSecret.objects.values_list("secret", flat=True)
    return [_digest(bytes(secret), tenant_id) for secret in secrets_kept]


def secrets_purge(*, now: dt.datetime) -> int:
    """Deletes the secrets of the months that ended (plus the grace)."""
    current = month_of(now - GRACE)
    deleted, _ = PseudonymSecret.objects.filter(month__lt=current).delete()
    return deleted
