"""Retention removes what is older than the setting, and what remains still
verifies, starting from the checkpoint sealed before the removal."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from audit import chain
from audit.export import export_row
from audit.models import AuditEvent, AuditSeal
from audit.retention import enforce_retention
from audit.sealing import seal_events
from audit.tests.conftest import documented_verifier, make_events
from audit.verification import verify_chain, verify_tenant_chain
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def aged(days: int, count: int, **kwargs):
    with time_machine.travel(timezone.now() - dt.timedelta(days=days), tick=False):
        return make_events(count, **kwargs)


def test_old_events_go_behind_a_checkpoint_and_the_rest_still_verifies():
    tenant = TenantFactory()
    old = aged(500, 3, tenant=tenant) + aged(450, 2)
    kept = aged(100, 2, tenant=tenant) + make_events(2, tenant=tenant)
    seal_events(full=True)
    last_pruned = AuditSeal.objects.get(event=old[-1])

    run = enforce_retention()

    assert run.events_pruned == 5 and run.checkpoints == 1
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    checkpoint = AuditSeal.objects.get(kind=AuditSeal.Kind.CHECKPOINT)
    assert checkpoint.checkpoint["pruned_through_seq"] == last_pruned.seq == 5
    assert checkpoint.checkpoint["pruned_through_hash"] == last_pruned.hash
    assert checkpoint.seq == 10  # appended at the head
    first = AuditSeal.objects.order_by("seq").first()
    assert first.seq == 6 and first.prev_hash == last_pruned.hash

    verdict = verify_chain()
    assert verdict.intact, verdict.reason
    assert verdict.events == 4 and verdict.checkpoints == 1
    assert verify_tenant_chain(tenant).intact
    out = StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert "intact" in out.getvalue() and "pruned by retention" in out.getvalue()


def test_a_second_run_with_nothing_due_changes_nothing():
    aged(500, 2)
    make_events(2)
    enforce_retention()
    seals = AuditSeal.objects.count()
    assert enforce_retention().events_pruned == 0
    assert AuditSeal.objects.count() == seals
    assert verify_chain().intact


def test_retention_seals_pending_events_first_even_beyond_the_look_back():
    make_events(1)
    seal_events()
    # Recorded long ago but never sealed (its transaction outlived the look-back).
    stale = aged(500, 1)
    assert seal_events().sealed == 0  # beyond the look-back of an ordinary run
    enforce_retention()
    assert AuditSeal.objects.get(event=stale[0]).seq == 2
    assert verify_chain().intact and verify_chain().pending == 0


def test_an_old_event_sealed_after_a_newer_one_waits_its_turn():
    recent = make_events(1)
    seal_events()
    late_old = aged(500, 1)  # committed late: sealed after the recent event
    run = enforce_retention()
    assert run.events_pruned == 0
    assert AuditEvent.objects.filter(pk__in=[recent[0].pk, late_old[0].pk]).count() == 2
    assert verify_chain().intact

    # Once everything before it is due, it goes too.
    with time_machine.travel(timezone.now() + dt.timedelta(days=400)):
        assert enforce_retention().events_pruned == 2
        verdict = verify_chain()
    assert verdict.intact and verdict.events == 0 and verdict.checkpoints == 1


def test_checkpoints_age_out_too_and_the_chain_stays_verifiable(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    aged(90, 2)
    aged(60, 2)
    enforce_retention()
    make_events(2)
    with time_machine.travel(timezone.now() + dt.timedelta(days=45)):
        make_events(1)
        run = enforce_retention()
        verdict = verify_chain()
    assert run.events_pruned == 2
    assert verdict.intact, verdict.reason
    # The first checkpoint was pruned with the events; the new one vouches for the start.
    assert verdict.checkpoints == 1 and verdict.events == 1


def test_a_tenants_slice_still_verifies_by_the_documented_procedure_after_pruning():
    verify_export = documented_verifier()
    tenant = TenantFactory()
    aged(500, 2, tenant=tenant)
    make_events(3, tenant=tenant)
    enforce_retention()
    events = AuditEvent.objects.filter(tenant=tenant).select_related("seal")
    rows = [export_row(e) for e in events.order_by("seal__tenant_seq")]
    assert [row["tenant_seq"] for row in rows] == [3, 4, 5]
    assert rows[0]["tenant_prev_hash"] != chain.GENESIS
    assert verify_export(rows) == []


def test_the_task_runs_daily_from_beat(settings):
    from audit.tasks import enforce_retention as task

    assert settings.CELERY_BEAT_SCHEDULE["audit.enforce_retention"]["task"] == task.name
    assert settings.CELERY_BEAT_SCHEDULE["audit.seal_events"]["task"] == "audit.seal_events"
    aged(500, 1)
    assert task.delay().get() == 1
