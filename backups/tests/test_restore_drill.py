"""Restore drill: back up, restore into an empty database, compare, decrypt; and
erasure reaching backups. Runs on the engine the suite runs on (PostgreSQL with
pg_dump/pg_restore, or SQLite with its online backup API)."""

import pytest

from backups.layout import DATABASE, KEYS, backup_sets
from backups.restore import backup_restore
from backups.services import backup_create
from backups.target import KEY_TABLES, configured_target
from backups.tests.support import RestoredReader, scratch_target
from conversations.models import Contact, Message
from conversations.tests.factories import ContactFactory, ConversationFactory, MessageFactory
from privacy import keyring
from privacy.dsr.erasure import erase_subject
from privacy.dsr.tests.erasure_support import erasure_request, no_progress
from privacy.erasure_ledger import ledger_entries
from privacy.models import DataKey

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def restore_target(tmp_path):
    target, drop = scratch_target(tmp_path)
    yield target
    drop()


@pytest.fixture
def seeded(tenant_a):
    """Three contacts of one tenant, each with a conversation of three messages."""
    tenant = tenant_a.tenant
    contacts = []
    for number in range(3):
        contact = ContactFactory(tenant=tenant, name=f"Drill Person {number}")
        conversation = ConversationFactory(tenant=tenant, shop=tenant_a.shop, contact=contact)
        for line in range(3):
            MessageFactory(conversation=conversation, body=f"drill {number}-{line} order late")
        contacts.append(contact)
    return tenant_a, contacts


def test_restore_drill_gives_back_every_row_and_value(seeded, restore_target):
    world, contacts = seeded
    result = backup_create()
    restored = backup_restore(backup=result.database, target=restore_target)

    source = configured_target().connect()
    reader = RestoredReader(restore_target)
    try:
        for table, number in restored.rows.items():
            assert source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == number
        for table in KEY_TABLES:
            assert (
                reader.count(table)
                == source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            )
        assert restored.rows[Message._meta.db_table] == 9
        names = reader.contact_names()
        bodies = reader.message_bodies()
    finally:
        source.close()
        reader.close()
    tenant = world.tenant
    for contact in Contact.objects.for_tenant(tenant):
        assert names[contact.pk] == contact.name
    for message in Message.objects.for_tenant(tenant):
        assert bodies[message.pk] == message.body
    assert set(names.values()) >= {f"Drill Person {n}" for n in range(3)}


def test_the_database_backup_holds_no_key_material(seeded, backup_dir, tmp_path):
    result = backup_create()
    manifest = backup_sets(DATABASE)[0].manifest()
    assert manifest["excluded_table_data"] == list(KEY_TABLES)
    assert all(table not in manifest["rows"] for table in KEY_TABLES)
    keys_manifest = backup_sets(KEYS)[0].manifest()
    assert (
        keys_manifest["rows"][DataKey._meta.db_table]
        == DataKey.objects.dangerously_unscoped(
            reason="the test counts every tenant's keys"
        ).count()
    )
    # Restored without any key backup beside it, nothing decrypts.
    alone, drop = scratch_target(tmp_path)
    try:
        for key_set in backup_sets(KEYS):
            for item in key_set.path.iterdir():
                item.unlink()
            key_set.path.rmdir()
        from backups.restore import RestoreError

        with pytest.raises(RestoreError, match="no key backup"):
            backup_restore(backup=result.database, target=alone)
    finally:
        drop()


def test_a_subject_erased_after_the_backup_does_not_decrypt_once_restored(seeded, restore_target):
    world, contacts = seeded
    erased, kept = contacts[0], contacts[1]
    erased_bodies = set(
        Message.objects.for_tenant(world.tenant).filter(contact=erased).values_list("pk", flat=True)
    )
    result = backup_create()  # holds the erased subject's rows and its live key

    request = erasure_request(world.tenant, erased)
    erase_subject(request, erased, no_progress)
    assert [e.key_id for e in ledger_entries()] == [str(erased.pk)]

    restored = backup_restore(backup=result.database, target=restore_target)
    assert restored.keys_destroyed_by_ledger == 1  # the key backup still held it live
    keyring.cache.clear()
    reader = RestoredReader(restore_target)
    try:
        names, bodies = reader.contact_names(), reader.message_bodies()
        assert reader.cipher(world.tenant.id, erased.pk) is None
    finally:
        reader.close()
    # The subject's rows came back (the backup predates the erasure), unreadable.
    assert erased.pk in names and names[erased.pk] is None
    assert erased_bodies and all(bodies[pk] is None for pk in erased_bodies)
    # Another contact's values still open.
    assert names[kept.pk] == "Drill Person 1"
    assert any(body and body.startswith("drill 1-") for body in bodies.values())


def test_a_subject_erased_before_the_key_backup_is_absent_from_it(seeded, restore_target):
    world, contacts = seeded
    erased = contacts[2]
    database_only = backup_create()  # the subject's rows, with its live key
    request = erasure_request(world.tenant, erased)
    erase_subject(request, erased, no_progress)
    backup_create()  # a newer key backup: the key is destroyed in it

    restored = backup_restore(
        backup=database_only.database, target=restore_target, ledger=restore_target_ledger()
    )
    assert restored.keys_destroyed_by_ledger == 0  # no ledger given: the key backup alone
    reader = RestoredReader(restore_target)
    try:
        assert reader.contact_names()[erased.pk] is None
        assert reader.contact_names()[contacts[0].pk] == "Drill Person 0"
    finally:
        reader.close()


def restore_target_ledger():
    """A ledger path with nothing in it: the key backup alone must do the work."""
    from pathlib import Path

    return Path("/nonexistent/erasure-ledger.jsonl")


def test_a_backup_by_the_application_role_holds_every_tenant_s_rows(seeded, settings, tmp_path):
    """The application's role is subject to row-level security: a backup it
    takes works as the platform role, so no tenant's rows or keys are missing."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    db = connection.settings_dict  # the suite's application role (tests/row_security.py)
    secret = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    settings.BACKUP_DATABASE_URL = f"postgres://{db['USER']}{secret}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    backup_create()
    (database,) = backup_sets(DATABASE)
    (keys,) = backup_sets(KEYS)
    expected = DataKey.objects.dangerously_unscoped(reason="test: every key").count()
    assert expected >= 3
    assert keys.manifest()["rows"][DataKey._meta.db_table] == expected
    assert database.manifest()["rows"][Message._meta.db_table] == 9
