"""A backup altered, cut short, or opened with another key is refused before
anything is written to the target; pruning keeps keys apart from data."""

import datetime as dt
import io
import json
import os

import pytest
from django.utils import timezone

from backups.crypto import CHUNK, HEADER, BackupCryptoError, decrypt_stream, encrypt_stream
from backups.layout import DATABASE, KEYS, STAMP, backup_sets
from backups.restore import RestoreError, backup_restore
from backups.services import backup_create, backups_prune
from backups.target import user_tables
from backups.tests.support import scratch_target
from conversations.tests.factories import MessageFactory
from privacy.keys import generate_master_key_ring

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backed_up(tenant_a, tmp_path):
    MessageFactory(conversation__tenant=tenant_a.tenant, body="tamper drill")
    result = backup_create()
    target, drop = scratch_target(tmp_path)
    yield result, target
    drop()


def _nothing_written(target) -> bool:
    if target.engine == "sqlite":
        return not target.path.exists()
    connection = target.connect()
    try:
        return user_tables(connection, target) == []
    finally:
        connection.close()


def _flip(path, offset_from_end: int) -> None:
    data = bytearray(path.read_bytes())
    data[-offset_from_end] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_flipped_byte_is_refused(backed_up):
    result, target = backed_up
    _flip(result.database / "database.enc", 100)
    with pytest.raises(RestoreError, match="checksum does not match"):
        backup_restore(backup=result.database, target=target)
    assert _nothing_written(target)


def test_a_truncated_key_backup_is_refused(backed_up):
    result, target = backed_up
    keys_file = result.keys / "keys.enc"
    keys_file.write_bytes(keys_file.read_bytes()[:-10])
    with pytest.raises(RestoreError, match="checksum does not match"):
        backup_restore(backup=result.database, target=target)
    assert _nothing_written(target)


def test_an_altered_manifest_is_refused(backed_up):
    result, target = backed_up
    manifest_path = result.database / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][0]["sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(RestoreError, match="MAC does not match"):
        backup_restore(backup=result.database, target=target)
    assert _nothing_written(target)


def test_another_master_key_is_refused(backed_up, settings):
    result, target = backed_up
    settings.INSTAPLY_MASTER_KEYS = generate_master_key_ring()
    with pytest.raises(RestoreError, match="MAC does not match"):
        backup_restore(backup=result.database, target=target)
    assert _nothing_written(target)


def test_a_key_backup_older_than_the_database_backup_is_refused(backed_up):
    result, target = backed_up
    newer = backup_create()
    for item in newer.keys.iterdir():
        item.unlink()
    newer.keys.rmdir()
    with pytest.raises(RestoreError, match="older than the database backup"):
        backup_restore(backup=newer.database, target=target)
    assert _nothing_written(target)


def test_a_non_empty_database_is_refused(backed_up):
    result, target = backed_up
    backup_restore(backup=result.database, target=target)
    with pytest.raises(RestoreError, match="is not empty"):
        backup_restore(backup=result.database, target=target)


def _chunks(data: bytes) -> tuple[bytes, list[bytes]]:
    header, rest, pieces = data[: HEADER.size], data[HEADER.size :], []
    while rest:
        length = int.from_bytes(rest[:4], "big")
        pieces.append(rest[: 4 + length])
        rest = rest[4 + length :]
    return header, pieces


def _opens(tmp_path, data: bytes) -> bool:
    (tmp_path / "candidate").write_bytes(data)
    with open(tmp_path / "candidate", "rb") as source, open(tmp_path / "out", "wb") as target:
        try:
            decrypt_stream(source, target)
        except BackupCryptoError:
            return False
    return True


def test_cut_reordered_and_swapped_chunks_do_not_open(tmp_path):
    plain = os.urandom(CHUNK * 2 + 1000)  # does not compress: three chunks
    sealed = []
    for _ in range(2):
        out = io.BytesIO()
        encrypt_stream(io.BytesIO(plain), out)
        sealed.append(out.getvalue())
    header, pieces = _chunks(sealed[0])
    _, other = _chunks(sealed[1])
    assert len(pieces) == 3
    assert _opens(tmp_path, sealed[0])
    assert (tmp_path / "out").read_bytes() == plain
    assert not _opens(tmp_path, header + pieces[0] + pieces[1])  # last chunk dropped
    assert not _opens(tmp_path, header + pieces[1] + pieces[0] + pieces[2])  # reordered
    assert not _opens(tmp_path, header + pieces[0] + other[1] + pieces[2])  # another file's
    assert not _opens(tmp_path, sealed[0] + pieces[2])  # a chunk added


def _backdate(kind: str, days: int) -> None:
    for backup in backup_sets(kind):
        older = backup.created_at - dt.timedelta(days=days)
        backup.path.rename(backup.path.with_name(older.strftime(STAMP)))


def test_prune_keeps_key_backups_only_for_their_retention(backed_up, settings):
    assert backups_prune() == {DATABASE: 0, KEYS: 0}
    _backdate(KEYS, settings.KEY_BACKUP_RETENTION_DAYS + 1)
    _backdate(DATABASE, settings.KEY_BACKUP_RETENTION_DAYS + 1)
    before = timezone.now()
    # The old key backup goes; a fresh one is taken first, so the database backup
    # still has keys to be restored with.
    assert backups_prune() == {DATABASE: 0, KEYS: 1}
    assert len(backup_sets(DATABASE)) == 1 and len(backup_sets(KEYS)) == 1
    assert backup_sets(KEYS)[0].created_at >= before.replace(microsecond=0)
    _backdate(DATABASE, settings.BACKUP_RETENTION_DAYS)
    assert backups_prune() == {DATABASE: 1, KEYS: 0}
