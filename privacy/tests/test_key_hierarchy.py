"""Rotation re-wraps keys without touching values; shredding makes copies useless."""

import base64
import os
import random
from io import StringIO

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.management import call_command

from conversations.models import Contact, Message
from conversations.tests.factories import ContactFactory, MessageFactory
from privacy import crypto, keyring
from privacy.crypto import ERASED, DecryptionError, is_erased
from privacy.keys import EnvironmentKeyRing, generate_master_key_ring, master_key_source
from privacy.models import DataKey, TenantKey
from privacy.services.keys import master_key_rotate, tenant_key_rotate
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _ring(*entries):
    return ",".join(entries)


def _key(version):
    return generate_master_key_ring(version)


@pytest.fixture
def old_master(settings):
    """A master key of version 1 in force before the tenants (and their keys) are
    created: ask for it ahead of tenant_a and tenant_b."""
    settings.INSTAPLY_MASTER_KEYS = _key(1)
    return settings.INSTAPLY_MASTER_KEYS


def _stored(pk):
    keyring.cache.clear()
    return Message.objects.get(pk=pk)


def test_master_rotation_rewraps_tenant_keys_and_the_old_master_can_go(
    old_master, settings, tenant_a, tenant_b
):
    old = old_master
    messages = [
        MessageFactory(conversation__tenant=tenant_a.tenant, body="alpha body"),
        MessageFactory(conversation__tenant=tenant_b.tenant, body="beta body"),
    ]
    raw_before = {
        m.pk: Message.objects.values_list("body", flat=True).get(pk=m.pk) for m in messages
    }

    settings.INSTAPLY_MASTER_KEYS = _ring(_key(2), old)
    out = StringIO()
    call_command("rotate_master_key", stdout=out)
    assert "tenant keys re-wrapped" in out.getvalue()
    assert set(TenantKey.objects.values_list("master_version", flat=True)) == {2}

    settings.INSTAPLY_MASTER_KEYS = settings.INSTAPLY_MASTER_KEYS.split(",")[0]  # v1 removed
    for message in messages:
        assert (
            Message.objects.values_list("body", flat=True).get(pk=message.pk)
            == raw_before[message.pk]
        )
    assert _stored(messages[0].pk).body == "alpha body"
    assert _stored(messages[1].pk).body == "beta body"


def test_master_rotation_resumes_after_an_interruption(old_master, settings, tenant_a, tenant_b):
    old = old_master
    MessageFactory(conversation__tenant=tenant_a.tenant, body="a")
    MessageFactory(conversation__tenant=tenant_b.tenant, body="b")
    settings.INSTAPLY_MASTER_KEYS = _ring(_key(2), old)
    first = TenantKey.objects.order_by("pk").first()
    keyring.rewrap_tenant_key(first)  # as if a run stopped after one key
    assert master_key_rotate() == TenantKey.objects.count() - 1
    assert master_key_rotate() == 0


def test_without_the_right_master_key_nothing_opens(old_master, settings, tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="hidden")
    settings.INSTAPLY_MASTER_KEYS = _key(1)  # same version number, different key
    with pytest.raises(DecryptionError):
        _stored(message.pk).body  # noqa: B018


def test_tenant_rotation_rewraps_data_keys_and_destroys_the_old_version(tenant_a):
    messages = [
        MessageFactory(conversation__tenant=tenant_a.tenant, body=f"m{i}") for i in range(3)
    ]
    raw_before = set(Message.objects.values_list("body", flat=True))
    out = StringIO()
    call_command("rotate_tenant_key", "--tenant", tenant_a.tenant.slug, stdout=out)
    assert "data keys re-wrapped" in out.getvalue()
    versions = set(
        TenantKey.objects.for_tenant(tenant_a.tenant)
        .filter(purpose="data")
        .values_list("version", flat=True)
    )
    assert versions == {2}
    assert set(
        DataKey.objects.for_tenant(tenant_a.tenant).values_list("tenant_key__version", flat=True)
    ) == {2}
    assert set(Message.objects.values_list("body", flat=True)) == raw_before  # no re-encryption
    assert [_stored(m.pk).body for m in messages] == ["m0", "m1", "m2"]


def test_tenant_rotation_resumes_without_adding_another_version(tenant_a):
    for i in range(3):
        MessageFactory(conversation__tenant=tenant_a.tenant, body=f"m{i}")
    v1 = keyring.current_tenant_key(tenant_a.tenant.id)
    v2 = keyring.tenant_key_create(tenant_id=tenant_a.tenant.id, purpose="data", version=2)
    keyring.rewrap_data_key(
        DataKey.objects.for_tenant(tenant_a.tenant).select_related("tenant_key").first(), v2
    )
    version, moved = tenant_key_rotate(tenant_id=tenant_a.tenant.id)
    assert version == 2 and moved == DataKey.objects.for_tenant(tenant_a.tenant).count() - 1
    assert not TenantKey.objects.filter(pk=v1.pk).exists()


def test_a_tenant_key_version_in_use_cannot_be_destroyed(tenant_a):
    MessageFactory(conversation__tenant=tenant_a.tenant)
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        keyring.current_tenant_key(tenant_a.tenant.id).delete()


def test_a_wrapped_data_key_copied_to_another_subject_does_not_open(tenant_a):
    one = ContactFactory(tenant=tenant_a.tenant, name="One")
    two = ContactFactory(tenant=tenant_a.tenant, name="Two")
    DataKey.objects.filter(pk=two.pk).update(wrapped_key=DataKey.objects.get(pk=one.pk).wrapped_key)
    keyring.cache.clear()
    with pytest.raises(DecryptionError):
        Contact.objects.get(pk=two.pk).name  # noqa: B018


@pytest.mark.parametrize("purpose", ["data", "index"])
def test_a_wrapped_tenant_key_copied_to_another_tenant_does_not_open(tenant_a, tenant_b, purpose):
    ours = keyring.current_tenant_key(tenant_a.tenant.id, purpose)
    theirs = keyring.current_tenant_key(tenant_b.tenant.id, purpose)
    assert (ours.version, ours.master_version) == (theirs.version, theirs.master_version)
    TenantKey.objects.filter(pk=theirs.pk).update(wrapped_key=ours.wrapped_key)
    keyring.cache.clear()
    with pytest.raises(DecryptionError):
        keyring.tenant_key_material(TenantKey.objects.get(pk=theirs.pk))


def test_crypto_shredding_makes_copied_rows_unreadable_by_every_key(tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant, body="delete me forever")
    contact = message.contact
    copied = list(Message.objects.filter(contact=contact).values())  # a raw copy, as in a backup

    Message.objects.filter(contact=contact).delete()
    assert keyring.data_key_destroy(tenant_id=tenant_a.tenant.id, subject_id=contact.pk)
    Message.objects.bulk_create([Message(**row) for row in copied])  # the copy is restored

    restored = _stored(message.pk)
    assert is_erased(restored.body) and restored.body == ERASED
    assert str(restored.body) == "[erased]"
    # Not one key the system holds opens the restored ciphertext.
    blob = bytes(Message.objects.values_list("body", flat=True).get(pk=message.pk))
    context = Message._meta.get_field("body").context(restored)
    candidates = [keyring.tenant_key_material(row) for row in TenantKey.objects.all()]
    for row in DataKey.objects.filter(wrapped_key__isnull=False).select_related("tenant_key"):
        candidates.append(keyring._unwrap_data_key(row))
    master = master_key_source()
    assert isinstance(master, EnvironmentKeyRing)
    for material in candidates:
        with pytest.raises(DecryptionError):
            crypto.decrypt(AESGCM(material), blob, context)


def test_an_erased_subject_takes_no_new_personal_data(tenant_a):
    message = MessageFactory(conversation__tenant=tenant_a.tenant)
    keyring.data_key_destroy(tenant_id=tenant_a.tenant.id, subject_id=message.contact_id)
    with pytest.raises(DecryptionError, match="erased"):
        MessageFactory(conversation=message.conversation, body="more")


def test_every_nonce_and_key_is_read_from_the_os_generator(monkeypatch):
    """The bytes in each stored value's nonce, in each wrapping nonce and in each
    key are bytes the operating system's generator returned: not merely "some
    12-byte call happened" (key wrapping alone makes one)."""
    returned = []
    real = os.urandom

    def spy(n):
        returned.append(real(n))
        return returned[-1]

    monkeypatch.setattr(os, "urandom", spy)
    keyring.cache.clear()
    tenant = Tenant.objects.create(name="Spied", slug="spied")  # its keys are made here
    message = MessageFactory(conversation__tenant=tenant, body="from the OS")
    value_nonce = bytes(Message.objects.values_list("body", flat=True).get(pk=message.pk))[
        crypto.HEADER.size : crypto.HEADER.size + crypto.NONCE_BYTES
    ]
    data_key = DataKey.objects.select_related("tenant_key").get(pk=message.contact_id)
    tenant_key = data_key.tenant_key
    assert value_nonce in returned, "the value's nonce"
    assert bytes(data_key.wrapped_key)[:12] in returned, "the data key's wrapping nonce"
    assert bytes(tenant_key.wrapped_key)[:12] in returned, "the tenant key's wrapping nonce"
    assert keyring._unwrap_data_key(data_key) in returned, "the data key"
    assert keyring.tenant_key_material(tenant_key) in returned, "the tenant key"


def test_reseeding_pythons_random_does_not_repeat_a_nonce():
    """A non-cryptographic generator (``random``) gives the same bytes after the
    same seed: two values encrypted after ``random.seed(0)`` would share a nonce."""
    cipher = AESGCM(AESGCM.generate_key(bit_length=256))
    state = random.getstate()
    nonces = set()
    try:
        for _ in range(20):
            random.seed(0)
            blob = crypto.encrypt(cipher, b"same text", b"same place")
            nonces.add(blob[crypto.HEADER.size : crypto.HEADER.size + crypto.NONCE_BYTES])
    finally:
        random.setstate(state)
    assert len(nonces) == 20


def test_the_key_cache_is_bounded():
    from privacy.keycache import KeyCache

    cache = KeyCache(max_entries=3, ttl_seconds=60)
    for i in range(5):
        cache.put(i, i)
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) == 4


def test_cached_keys_expire(monkeypatch):
    from privacy import keycache

    cache = keycache.KeyCache(max_entries=3, ttl_seconds=10)
    now = [100.0]
    monkeypatch.setattr(keycache.time, "monotonic", lambda: now[0])
    cache.put("k", "v")
    now[0] += 11
    assert cache.get("k") is None


def test_a_page_reads_only_the_keys_not_expired(monkeypatch):
    from privacy import keycache

    cache = keycache.KeyCache(max_entries=5, ttl_seconds=10)
    now = [100.0]
    monkeypatch.setattr(keycache.time, "monotonic", lambda: now[0])
    cache.put("old", 1)
    now[0] += 6
    cache.put("new", 2)
    cache.put("old-again", 3)
    assert cache.fresh() == {"old": 1, "new": 2, "old-again": 3}
    now[0] += 5  # "old" is 11 s old, the others 5
    assert cache.fresh() == {"new": 2, "old-again": 3}
    assert len(cache) == 2 and cache.get("old") is None
    cache.put("new", 4)  # put again: young again, and last in line
    now[0] += 6
    assert cache.fresh() == {"new": 4}


def test_master_key_ring_format_is_checked():
    from privacy.keys import KeyRingError, parse_master_key_ring

    good = _key(3)
    assert list(parse_master_key_ring(good + "," + _key(1))) == [3, 1]
    for bad in (
        "",
        "v1:notbase64!",
        "1:" + good[3:],
        "v1:" + base64.b64encode(b"short").decode(),
        good + "," + good,
    ):
        with pytest.raises(KeyRingError):
            parse_master_key_ring(bad)


def test_key_operations_are_audited(tenant_a, settings):
    from audit.models import AuditEvent
    from audit.recorder import Actor
    from privacy.services.keys import data_key_destroy

    message = MessageFactory(conversation__tenant=tenant_a.tenant)
    tenant_key_rotate(tenant_id=tenant_a.tenant.id)
    rotated = AuditEvent.objects.get(action="key.rotated", tenant=tenant_a.tenant)
    assert rotated.metadata["level"] == "tenant" and rotated.metadata["data_keys_rewrapped"] >= 1
    settings.INSTAPLY_MASTER_KEYS = _ring(_key(9), settings.INSTAPLY_MASTER_KEYS or _dev_ring())
    master_key_rotate()
    assert AuditEvent.objects.filter(action="key.rotated", tenant__isnull=True).exists()
    assert data_key_destroy(
        tenant_id=tenant_a.tenant.id, subject_id=message.contact_id, actor=Actor.system("test")
    )
    assert AuditEvent.objects.get(action="key.destroyed").target_id == str(message.contact_id)


def _dev_ring():
    from privacy.keys import _development_ring

    return _development_ring()


def test_a_new_tenant_has_its_keys_before_its_first_contact():
    tenant = Tenant.objects.create(name="Fresh", slug="fresh")
    assert sorted(TenantKey.objects.for_tenant(tenant).values_list("purpose", "version")) == [
        ("data", 1),
        ("index", 1),
    ]
    # The first contact uses them, it does not create them (a busy transaction
    # creating a tenant key is what deadlocked two dispatchers).
    ContactFactory(tenant=tenant, name="First")
    assert TenantKey.objects.for_tenant(tenant).count() == 2
