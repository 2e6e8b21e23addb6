"""After filing: start, pause and resume (the clock), answer, reject, cancel, the work."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from audit.models import AuditEvent
from instaply.errors import Conflict, Forbidden, Invalid
from privacy.dsr import executors, services, work
from privacy.dsr.models import DataSubjectRequest
from privacy.dsr.tests.helpers import contact_with, dpo, file
from tenants.models import Notice, Role

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris
State = DataSubjectRequest.State


@pytest.fixture
def matched(tenant_a):
    contact_with(tenant_a, phone="+33612345678")
    dsr, _ = file(tenant_a.owner, phone="+33612345678", now=MONDAY)
    return dsr


@pytest.fixture
def officer(db):
    return dpo()


def _fresh(dsr):
    return DataSubjectRequest.objects.for_tenant(dsr.tenant_id).get(pk=dsr.pk)


# The executors below are real functions, registered for the test's duration.
def counting_executor(request, contact, progress):
    progress(40)
    progress(80)
    return {"erased_messages": 3, "outcome": "erased"}


def holding_executor(request, contact, progress):
    from instaply.errors import Conflict

    raise Conflict("A legal hold is set on this contact: tax audit until June.")


def test_a_pause_moves_the_due_time_by_the_paused_working_time(matched, officer):
    assert matched.due_at == dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):  # Tuesday 10:00
        paused = services.dsr_pause(actor=officer, dsr=matched, reason="Which shop was it?")
    assert paused.paused and paused.due_at is None
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):  # Wednesday 10:00
        resumed = services.dsr_resume(actor=officer, dsr=matched)
    # 24 working hours paused: due one working day later, Friday 10:00 Paris.
    assert resumed.due_at == dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)
    assert [e.kind for e in resumed.events.all()] == ["received", "paused", "resumed"]
    assert resumed.events.get(kind="paused").reason == "Which shop was it?"


def test_a_pause_over_the_weekend_costs_only_its_working_hours(tenant_a, officer):
    contact_with(tenant_a, phone="+33612345678")
    thursday = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)  # 10:00 Paris
    dsr, _ = file(tenant_a.owner, phone="+33612345678", now=thursday)
    # Unpaused: Thursday 10:00 + 72 working hours = next Tuesday 10:00 Paris.
    assert dsr.due_at == dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    friday_evening = dt.datetime(2026, 3, 6, 17, 0, tzinfo=dt.UTC)  # 18:00 Paris
    monday_morning = dt.datetime(2026, 3, 9, 7, 0, tzinfo=dt.UTC)  # 08:00 Paris
    services.dsr_pause(actor=officer, dsr=dsr, reason="Waiting", now=friday_evening)
    resumed = services.dsr_resume(actor=officer, dsr=dsr, now=monday_morning)
    # The pause held 6 + 8 = 14 working hours: due Wednesday 00:00 Paris.
    assert resumed.due_at == dt.datetime(2026, 3, 10, 23, 0, tzinfo=dt.UTC)


def test_the_tenant_answers_a_pause_with_the_contact_id(tenant_a):
    first = contact_with(tenant_a, phone="+33612345678")
    contact_with(tenant_a, email="ana@example.org")
    dsr, _ = file(tenant_a.owner, phone="+33612345678", email="ana@example.org", now=MONDAY)
    assert dsr.paused

    # The same identifiers again still name two people: refused, nothing changes.
    with pytest.raises(Invalid):
        services.dsr_answer(membership=tenant_a.owner, dsr=dsr, email="ana@example.org")
    assert _fresh(dsr).paused and _fresh(dsr).contact is None

    answered = services.dsr_answer(
        membership=tenant_a.members[Role.PRIVACY],
        dsr=dsr,
        contact_id=str(first.pk),
        note="It is the customer of the Lyon shop.",
        now=MONDAY + dt.timedelta(hours=2),
    )
    assert not answered.paused and answered.contact == first
    assert answered.counts["contacts"] == 1
    # Paused from receipt: the clock starts when the tenant answered.
    assert answered.due_at == dt.datetime(2026, 3, 5, 11, 0, tzinfo=dt.UTC)
    assert "Lyon shop" in _fresh(dsr).notes
    assert AuditEvent.objects.filter(action="privacy.request_resumed").count() == 1


def test_the_tenant_answers_with_an_identifier_that_now_matches(tenant_a):
    dsr, _ = file(tenant_a.owner, phone="+33699999999", now=MONDAY)
    contact = contact_with(tenant_a, email="ana@example.org")
    answered = services.dsr_answer(membership=tenant_a.owner, dsr=dsr, email="ana@example.org")
    assert answered.contact == contact and not answered.paused


def test_only_the_dpo_starts_rejects_or_pauses(matched, tenant_a):
    support = dpo("support@platform.example", roles=("support",))
    for act in (
        lambda: services.dsr_start(staff=support, dsr=matched),
        lambda: services.dsr_reject(staff=support, dsr=matched, reason="No"),
        lambda: services.dsr_pause(actor=support, dsr=matched, reason="No"),
        lambda: services.dsr_start(staff=tenant_a.owner, dsr=matched),
    ):
        with pytest.raises(Forbidden):
            act()
    assert _fresh(matched).state == State.RECEIVED


def test_a_paused_request_cannot_be_started(tenant_a, officer):
    dsr, _ = file(tenant_a.owner, phone="+33699999999", now=MONDAY)
    with pytest.raises(Conflict):
        services.dsr_start(staff=officer, dsr=dsr)


def test_the_dpo_rejects_with_a_reason_the_tenant_reads(
    matched, officer, tenant_a, django_capture_on_commit_callbacks
):
    with pytest.raises(Invalid):
        services.dsr_reject(staff=officer, dsr=matched, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = services.dsr_reject(
            staff=officer, dsr=matched, reason="The request is manifestly unfounded."
        )
    assert rejected.state == State.REJECTED and rejected.closed_at
    assert rejected.rejection_reason == "The request is manifestly unfounded."
    notice = Notice.objects.for_tenant(tenant_a.tenant).get()
    assert notice.kind == "privacy_request.rejected" and notice.capability == "privacy.requests"
    # Owners and privacy officers are emailed, once.
    assert sorted(to for m in mail.outbox for to in m.to) == sorted(
        [tenant_a.owner.user.email, tenant_a.members[Role.PRIVACY].user.email]
    )
    assert "manifestly unfounded" in mail.outbox[0].body
    assert not work.notify_outcome(str(matched.pk))
    assert len(mail.outbox) == 2
    with pytest.raises(Conflict):
        services.dsr_cancel(membership=tenant_a.owner, dsr=matched)


def test_the_tenant_cancels_before_the_work_starts(matched, tenant_a, officer):
    with pytest.raises(Forbidden):
        services.dsr_cancel(membership=tenant_a.members[Role.ADMIN], dsr=matched)
    cancelled = services.dsr_cancel(membership=tenant_a.members[Role.PRIVACY], dsr=matched)
    assert cancelled.state == State.CANCELLED
    assert AuditEvent.objects.get(action="privacy.request_cancelled").metadata["state"] == (
        "cancelled"
    )
    with pytest.raises(Conflict):
        services.dsr_start(staff=officer, dsr=matched)


def test_start_runs_the_work_and_completes(
    matched, officer, tenant_a, django_capture_on_commit_callbacks
):
    with (
        executors.registered("erasure", counting_executor),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        services.dsr_start(staff=officer, dsr=matched)
    assert callbacks  # the work is queued after commit, not before
    done = _fresh(matched)
    assert done.state == State.COMPLETED and done.progress == 100
    assert done.counts["erased_messages"] == 3 and done.counts["contacts"] == 1
    assert [e.kind for e in done.events.all()] == ["received", "started", "completed"]
    actions = list(
        AuditEvent.objects.filter(action__startswith="privacy.request_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "privacy.request_filed",
        "privacy.request_started",
        "privacy.request_completed",
    ]
    assert Notice.objects.for_tenant(tenant_a.tenant).get().kind == "privacy_request.completed"
    assert len(mail.outbox) == 2  # the owner and the privacy officer
    # A second run of the task finds the request completed and does nothing.
    assert work.perform(dsr_id=matched.pk) == "skipped"
    assert AuditEvent.objects.filter(action="privacy.request_completed").count() == 1


def test_the_work_goes_to_the_dsr_queue(settings):
    assert settings.CELERY_TASK_ROUTES["privacy.dsr.work.perform_request"] == {"queue": "dsr"}


def test_an_executor_refusal_pauses_the_request_with_its_message(
    matched, officer, django_capture_on_commit_callbacks
):
    with (
        executors.registered("erasure", holding_executor),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.dsr_start(staff=officer, dsr=matched)
    held = _fresh(matched)
    assert held.state == State.IN_PROGRESS and held.paused
    assert held.events.last().reason == "A legal hold is set on this contact: tax audit until June."
    assert held.due_at is None
    # The hold is lifted, the DPO resumes: the work runs again and completes.
    with (
        executors.registered("erasure", counting_executor),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.dsr_resume(actor=officer, dsr=held, reason="Hold released.")
    assert _fresh(matched).state == State.COMPLETED
