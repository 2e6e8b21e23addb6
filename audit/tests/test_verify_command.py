"""manage.py verify_audit_chain: 0 on an intact chain; otherwise an error naming
the first broken link. Tampering goes around the model (and, on PostgreSQL,
the triggers), as someone with database access would."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEvent, AuditSeal, ChainHead
from audit.sealing import seal_events
from audit.tests.conftest import make_events
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def verify(*args) -> str:
    out = StringIO()
    call_command("verify_audit_chain", *args, stdout=out)
    return out.getvalue()


def broken(*args) -> str:
    with pytest.raises(CommandError) as excinfo:
        verify(*args)
    assert excinfo.value.returncode != 0
    return str(excinfo.value)


@pytest.fixture
def tenants():
    # Bare tenants: the chain needs their ids, not their members.
    return TenantFactory(name="Alpha Shoes"), TenantFactory(name="Beta Repairs")


@pytest.fixture
def sealed(tenants):
    make_events(3, tenant=tenants[0])
    make_events(2, tenant=tenants[1])
    make_events(3, tenant=tenants[0])
    seal_events()
    return {s.seq: s for s in AuditSeal.objects.order_by("seq")}


def test_an_intact_chain_passes_with_a_summary(sealed):
    out = verify()
    assert "intact" in out and "8 seals" in out and "seq 1..8" in out
    assert sealed[8].hash in out


def test_an_empty_chain_passes():
    assert "intact" in verify()


def test_an_altered_event_is_named(sealed, tamper):
    victim = sealed[4].event_id
    tamper.update(AuditEvent.objects.filter(pk=victim), outcome="failure")
    message = broken()
    assert f"seq 4, event {victim}" in message and "altered" in message


def test_an_altered_metadata_value_is_named(sealed, tamper):
    victim = sealed[2].event_id
    tamper.update(AuditEvent.objects.filter(pk=victim), metadata={"note": "hello"})
    assert f"seq 2, event {victim}" in broken()


def test_a_deleted_event_is_named_by_the_link_after_it(sealed, tamper):
    tamper.delete(AuditSeal.objects.filter(seq=5))
    tamper.delete(AuditEvent.objects.filter(pk=sealed[5].event_id))
    message = broken()
    assert f"seq 6, event {sealed[6].event_id}" in message and "missing" in message


def test_the_database_refuses_to_delete_an_event_under_its_seal(sealed, tamper):
    # Even with the triggers off: the seal's foreign key holds the event in place.
    with pytest.raises(IntegrityError), transaction.atomic():
        tamper.delete(AuditEvent.objects.filter(pk=sealed[3].event_id))
        connection.check_constraints()
    assert AuditEvent.objects.filter(pk=sealed[3].event_id).exists()


def test_a_seal_deleted_alone_leaves_a_gap(sealed, tamper):
    tamper.delete(AuditSeal.objects.filter(seq=3))
    assert f"seq 4, event {sealed[4].event_id}" in broken()


def test_reordered_seals_are_named(sealed, tamper):
    tamper.update(AuditSeal.objects.filter(seq=2), seq=-2)
    tamper.update(AuditSeal.objects.filter(seq=3), seq=2)
    tamper.update(AuditSeal.objects.filter(seq=-2), seq=3)
    message = broken()
    assert f"seq 2, event {sealed[3].event_id}" in message


def test_events_swapped_between_seals_are_named(sealed, tamper):
    first, second = sealed[6].event_id, sealed[7].event_id
    tamper.update(AuditSeal.objects.filter(seq=6), event_id=None)
    tamper.update(AuditSeal.objects.filter(seq=7), event_id=first)
    tamper.update(AuditSeal.objects.filter(seq=6), event_id=second)
    assert f"seq 6, event {second}" in broken()


# The tenant links. Each tampering below rebuilds the global chain and its heads
# (tamper.rechain), so only the checks of the tenants' own chains can see it.
# Layout of `sealed`: seq 1-3 tenant A (tenant_seq 1-3), 4-5 B (1-2), 6-8 A (4-6).


def _renumber(tamper, first_seq: int) -> None:
    """Closes the gap left at ``first_seq - 1`` by moving later seals down one."""
    for seal in AuditSeal.objects.filter(seq__gte=first_seq).order_by("seq"):
        tamper.update(AuditSeal.objects.filter(pk=seal.pk), seq=seal.seq - 1)


def test_the_rebuilt_chain_is_intact_when_nothing_else_changed(sealed, tamper):
    # The attacker's tool itself changes nothing a verifier can see.
    tamper.rechain(1)
    assert "intact" in verify()


def test_a_relinked_tenant_chain_is_named_even_when_each_hash_was_recomputed(
    sealed, tenants, tamper
):
    tamper.update(AuditSeal.objects.filter(seq=7), tenant_prev_hash=sealed[5].hash)
    tamper.rechain(7)
    assert AuditSeal.objects.get(seq=7).hash != sealed[7].hash  # really recomputed
    expected = f"seq 7, event {sealed[7].event_id}: does not link to the tenant's previous seal"
    assert expected in broken()
    assert "does not link to the tenant's previous seal" in broken("--tenant", tenants[0].slug)


def test_an_event_deleted_and_the_global_chain_rebuilt_shows_as_a_missing_tenant_seal(
    sealed, tenants, tamper
):
    tamper.delete(AuditSeal.objects.filter(seq=6))
    tamper.delete(AuditEvent.objects.filter(pk=sealed[6].event_id))
    _renumber(tamper, 7)
    tamper.rechain(6)
    message = broken()
    assert f"seq 6, event {sealed[7].event_id}: tenant seal 4 is missing" in message
    assert "tenant seal 4 is missing" in broken("--tenant", tenants[0].slug)
    assert "intact" in verify("--tenant", tenants[1].slug)


def test_a_tenants_first_event_deleted_shows_as_a_chain_without_its_start(sealed, tamper):
    tamper.delete(AuditSeal.objects.filter(seq=4))
    tamper.delete(AuditEvent.objects.filter(pk=sealed[4].event_id))
    _renumber(tamper, 5)
    tamper.rechain(4)
    expected = f"seq 4, event {sealed[5].event_id}: the tenant's chain does not start"
    assert expected in broken()


def test_an_event_moved_to_another_tenant_is_named(sealed, tenants, tamper):
    tamper.update(AuditEvent.objects.filter(pk=sealed[4].event_id), tenant_id=tenants[0].pk)
    expected = f"seq 4, event {sealed[4].event_id}: its event moved to another tenant"
    assert expected in broken()


def test_an_event_moved_with_its_seal_to_another_tenant_breaks_that_tenants_chain(
    sealed, tenants, tamper
):
    tamper.update(AuditEvent.objects.filter(pk=sealed[4].event_id), tenant_id=tenants[0].pk)
    tamper.update(AuditSeal.objects.filter(seq=4), tenant_id=tenants[0].pk)
    tamper.rechain(4)
    assert f"seq 4, event {sealed[4].event_id}: tenant seal 4 is missing" in broken()


def test_a_chain_that_does_not_start_from_genesis_is_named(sealed, tamper):
    tamper.update(AuditSeal.objects.filter(seq=1), prev_hash="f" * 64)
    tamper.rechain(1, relink_tenants=True)
    expected = f"seq 1, event {sealed[1].event_id}: the first seal does not start from the genesis"
    assert expected in broken()


def test_a_head_that_records_another_hash_is_named(sealed):
    # The head is the anchor written outside the chain (and in the logs): a chain
    # rebuilt from its first seal on ends with another hash than the head's.
    ChainHead.objects.filter(key=ChainHead.GLOBAL).update(hash="e" * 64)
    assert f"seq 8, event {sealed[8].event_id}: the last seal does not match" in broken()


def test_a_deleted_tail_shows_against_the_recorded_head(sealed, tamper):
    tamper.delete(AuditSeal.objects.filter(seq=8))
    tamper.delete(AuditEvent.objects.filter(pk=sealed[8].event_id))
    message = broken()
    assert "head records 8" in message and "seq 7" in message


def test_a_removed_prefix_without_checkpoint_is_named(sealed, tamper):
    tamper.delete(AuditSeal.objects.filter(seq__lte=2))
    tamper.delete(AuditEvent.objects.filter(pk__in=[sealed[1].event_id, sealed[2].event_id]))
    message = broken()
    assert f"seq 3, event {sealed[3].event_id}" in message and "checkpoint" in message


def test_one_tenants_chain_can_be_verified_alone(sealed, tenants, tamper):
    tenant_a, tenant_b = tenants
    out = verify("--tenant", tenant_a.slug)
    assert "intact" in out and "6 seals" in out
    victim = AuditSeal.objects.filter(tenant_id=tenant_b.pk).order_by("seq").last()
    tamper.update(AuditEvent.objects.filter(pk=victim.event_id), action="auth.logout")
    assert "intact" in verify("--tenant", tenant_a.slug)
    message = broken("--tenant", tenant_b.slug)
    assert f"event {victim.event_id}" in message
    with pytest.raises(CommandError, match="No tenant"):
        verify("--tenant", "nobody")


def test_a_tenant_whose_newest_seal_was_deleted_is_caught_by_its_head(sealed, tenants, tamper):
    tenant_a = tenants[0]
    last = AuditSeal.objects.filter(tenant_id=tenant_a.pk).order_by("seq").last()
    tamper.delete(AuditSeal.objects.filter(seq=last.seq))
    assert ChainHead.objects.get(key=f"tenant:{tenant_a.pk}").seq == 6
    assert "head records 6" in broken("--tenant", tenant_a.slug)
