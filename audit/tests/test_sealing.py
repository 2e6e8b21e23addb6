"""Sealing appends every committed event to the chain exactly once, whatever
order the events commit in, without making a request wait."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent, AuditSeal, ChainHead
from audit.sealing import lock_head, seal_events
from audit.tests.conftest import make_events, on_postgres
from audit.verification import verify_chain
from tenants.tests.factories import TenantFactory


@pytest.mark.django_db
def test_sealing_chains_every_event_once_and_twice_changes_nothing():
    tenant_a, tenant_b = TenantFactory(), TenantFactory()
    make_events(3, tenant=tenant_a)
    make_events(2, tenant=tenant_b)
    make_events(1)  # a platform event
    before = AuditEvent.objects.count()

    first = seal_events()
    assert first.sealed == before
    assert seal_events().sealed == 0
    assert AuditSeal.objects.count() == before

    seals = list(AuditSeal.objects.order_by("seq"))
    assert [s.seq for s in seals] == list(range(1, before + 1))
    assert seals[0].prev_hash == chain.GENESIS
    for previous, seal in zip(seals, seals[1:], strict=False):
        assert seal.prev_hash == previous.hash
    head = ChainHead.objects.get(key=ChainHead.GLOBAL)
    assert (
        (head.seq, head.hash)
        == (seals[-1].seq, seals[-1].hash)
        == (first.head_seq, first.head_hash)
    )

    # Each tenant has its own numbering, linked through its own previous seal.
    a_seals = list(AuditSeal.objects.filter(tenant_id=tenant_a.pk).order_by("tenant_seq"))
    assert [s.tenant_seq for s in a_seals] == list(range(1, len(a_seals) + 1))
    assert a_seals[0].tenant_prev_hash == chain.GENESIS
    assert all(b.tenant_prev_hash == a.hash for a, b in zip(a_seals, a_seals[1:], strict=False))
    platform = AuditSeal.objects.get(tenant_id=None)
    assert (platform.tenant_seq, platform.tenant_prev_hash) == (1, chain.GENESIS)
    assert verify_chain().intact


@pytest.mark.django_db
def test_a_hash_covers_every_field_of_the_event():
    (event,) = make_events(1, metadata={"reason": "x"})
    seal_events()
    seal = AuditSeal.objects.select_related("event").get()
    assert chain.expected_hash(seal) == seal.hash
    for name, value in [("action", "auth.logout"), ("ip", "192.0.2.1"), ("metadata", {})]:
        setattr(seal.event, name, value)
        assert chain.expected_hash(seal) != seal.hash, name
        seal.event.refresh_from_db()


@pytest.mark.django_db
def test_an_event_committed_late_with_an_older_time_is_sealed_by_the_next_run():
    make_events(2)
    seal_events()
    # A transaction that began before the run (its event is stamped earlier) commits after it.
    late = AuditEvent.objects.create(
        actor_kind="system",
        actor_id="slow",
        action="member.revoked",
        created_at=timezone.now() - dt.timedelta(minutes=5),
    )
    assert seal_events().sealed == 1
    assert AuditSeal.objects.get(event=late).seq == 3
    assert verify_chain().intact


@pytest.mark.django_db
def test_beyond_the_look_back_only_the_full_sweep_finds_an_event(settings):
    settings.AUDIT_SEAL_LOOKBACK_SECONDS = 60
    make_events(1)
    seal_events()
    stale = AuditEvent.objects.create(
        actor_kind="system",
        action="member.revoked",
        created_at=timezone.now() - dt.timedelta(hours=2),
    )
    assert seal_events().sealed == 0
    assert verify_chain().pending == 1
    assert seal_events(full=True).sealed == 1
    assert AuditSeal.objects.filter(event=stale).exists()


@pytest.mark.django_db
def test_a_capped_run_keeps_its_horizon_before_what_it_left(settings):
    settings.AUDIT_SEAL_BATCH_SIZE = 2
    make_events(5)
    assert seal_events(max_events=2).sealed == 2
    oldest_left = (
        AuditEvent.objects.filter(seal__isnull=True).order_by("created_at").first().created_at
    )
    assert ChainHead.objects.get(key="global").safe_since <= oldest_left
    assert seal_events().sealed == 3
    assert verify_chain().intact


@pytest.mark.django_db
def test_the_seal_task_runs_from_beat():
    from audit.tasks import seal_events as task

    make_events(2)
    assert task.delay().get() == 2
    assert task.delay(full=True).get() == 0


def _in_thread(target):
    """Runs target on its own database connection and returns what it returned."""
    result, errors = [], []

    def run():
        try:
            result.append(target())
        except Exception as exc:  # noqa: BLE001  (re-raised in the test)
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result, errors


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_inserts_while_a_sealer_works_are_never_blocked_nor_skipped():
    make_events(3)
    assert seal_events().sealed == 3  # the chain's head row exists from the first run on
    holding, release = threading.Event(), threading.Event()

    def slow_request():
        # A request whose transaction stays open across a whole sealing run.
        with transaction.atomic():
            make_events(1, action="member.revoked")
            holding.set()
            release.wait(10)

    slow, _, slow_errors = _in_thread(slow_request)
    assert holding.wait(10)

    with transaction.atomic():
        assert lock_head(wait=False) is not None  # this test is now the sealer
        # Requests keep inserting while the chain is locked...
        inserter, inserted, errors = _in_thread(lambda: len(make_events(5)))
        inserter.join(10)
        assert inserted == [5] and not errors
        # ...and a second sealer steps aside instead of waiting.
        other, busy, _ = _in_thread(lambda: seal_events().busy)
        other.join(10)
        assert busy == [True]

    run = seal_events()
    assert run.sealed == 5  # the uncommitted event is not visible yet
    release.set()
    slow.join(10)
    assert not slow_errors
    assert seal_events().sealed == 1
    assert AuditEvent.objects.filter(seal__isnull=True).count() == 0
    assert AuditSeal.objects.count() == AuditEvent.objects.count() == 9
    assert AuditSeal.objects.get(event__action="member.revoked").seq == 9
    assert verify_chain().intact


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sealers_and_writers_leave_one_unbroken_chain():
    stop = threading.Event()

    def writer():
        written = 0
        while not stop.is_set():
            AuditEvent.objects.create(actor_kind="system", action="personal_data.read")
            written += 1
        return written

    def sealer():
        runs = 0
        while not stop.is_set():
            seal_events()
            runs += 1
        return runs

    threads = [_in_thread(writer) for _ in range(3)] + [_in_thread(sealer) for _ in range(2)]
    threading.Event().wait(1.5)
    stop.set()
    for thread, _, errors in threads:
        thread.join(10)
        assert not errors
    written = sum(r[0] for _, r, _ in threads[:3])
    seal_events()
    assert AuditSeal.objects.count() == AuditEvent.objects.count() == written > 0
    assert len(set(AuditSeal.objects.values_list("event_id", flat=True))) == written
    assert verify_chain().intact
