"""The date an erasure receipt promises counts the prune: a backup set outlives
its retention until the next run of backups.prune deletes it."""

import datetime as dt

import pytest

from backups.layout import DATABASE, KEYS, backup_sets
from backups.retention import backup_deleted_by, prune_interval
from backups.services import backup_create, backups_prune
from privacy.dsr.erasure import receipt

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_key_backup_of_an_erased_subject_is_gone_by_the_date_the_receipt_states(
    tenant_a, settings
):
    backup_create()
    [keys] = backup_sets(KEYS)
    erased_at = keys.created_at  # the latest key backup that can hold the subject's key
    promised = dt.date.fromisoformat(receipt({}, now=erased_at)["backups"]["no_usable_key_after"])
    assert promised == (erased_at + dt.timedelta(days=8)).date()  # 7 days kept, then a daily prune

    # The worst case: a prune runs a moment before the set passes its retention...
    retention = dt.timedelta(days=settings.KEY_BACKUP_RETENTION_DAYS)
    first = erased_at + retention - dt.timedelta(seconds=1)
    assert backups_prune(now=first)[KEYS] == 0
    assert keys.path.exists()  # past erasure + retention it is still there
    # ...and the next one, a prune interval later, deletes it: by the promised date.
    second = first + prune_interval()
    assert backups_prune(now=second)[KEYS] >= 1
    assert not keys.path.exists()
    assert second.date() <= promised
    assert second <= backup_deleted_by(KEYS, taken_at=erased_at)


def test_database_backups_are_promised_their_retention_and_a_prune(settings):
    settings.BACKUP_RETENTION_DAYS = 35
    taken = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert backup_deleted_by(DATABASE, taken_at=taken) == taken + dt.timedelta(days=36)
    assert receipt({}, now=taken)["backups"]["expire_by"] == "2026-04-07"
