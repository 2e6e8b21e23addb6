"""The sweeper publishes again the work stored but never handed to a worker:
data-subject requests here, SMS in channels_sms/tests/test_sweeping.py.

Rows are stored the way the application stores them, and their after-commit
publish is never run (the test's transaction never commits: as if the broker
lost it): the sweeper alone must find them. Tasks run eagerly, so each sweep's
work is done when it returns.
"""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from instaply.sweeper import RULES, sweep
from privacy.dsr import executors, services
from privacy.dsr.models import DataSubjectRequest
from privacy.dsr.tests.helpers import contact_with, dpo, file

pytestmark = pytest.mark.django_db

PHONE = "+33612345678"


def _later(settings, seconds=1):
    return timezone.now() + dt.timedelta(seconds=settings.SWEEP_GRACE_SECONDS + seconds)


@pytest.fixture
def officer(db):
    return dpo()


def test_started_requests_whose_work_never_began_are_worked(tenant_a, officer, settings):
    contact_with(tenant_a, phone=PHONE)
    dsr, _ = file(tenant_a.owner, phone=PHONE)
    done = []

    def executor(request, contact, progress):
        done.append(request.pk)
        return {"outcome": "erased"}

    with executors.registered("erasure", executor):
        services.dsr_start(staff=officer, dsr=dsr)  # its publish never runs
        assert sweep()["dsr_work"] == 0
        counts = sweep(now=_later(settings))
    assert counts["dsr_work"] == 1 and done == [dsr.pk]
    dsr = DataSubjectRequest.objects.for_tenant(dsr.tenant_id).get(pk=dsr.pk)
    assert dsr.state == DataSubjectRequest.State.COMPLETED
    # Completed, its outcome email queued on commit (inside the test's transaction,
    # so never published): the next rule of the same sweep sends it.
    assert counts["dsr_outcome_emails"] == 1
    assert len(mail.outbox) == 2  # the owner and the privacy officer
    assert sweep(now=_later(settings)) == {rule.name: 0 for rule in RULES} | {"broker_down": 0}


def test_work_running_elsewhere_is_not_run_twice(tenant_a, officer, settings):
    from django.core.cache import cache

    contact_with(tenant_a, phone=PHONE)
    dsr, _ = file(tenant_a.owner, phone=PHONE)
    done = []
    with executors.registered("erasure", lambda request, contact, progress: done.append(1)):
        services.dsr_start(staff=officer, dsr=dsr)
        cache.add(f"dsr-work:{dsr.pk}", 1)  # a worker is running it now
        try:
            assert sweep(now=_later(settings))["dsr_work"] == 1
        finally:
            cache.delete(f"dsr-work:{dsr.pk}")
    assert done == []


def test_every_task_is_periodic_swept_or_named_with_a_reason(settings):
    """A task whose broker message is lost must be found again: it runs on the
    beat schedule, a sweeper rule publishes it again from its stored row, or
    NOT_SWEPT names it with the reason nothing is lost. A new task fails here
    until it is one of the three."""
    from instaply.celery import app
    from instaply.sweeper import NOT_SWEPT, RULES

    app.loader.import_default_modules()
    registered = {
        name
        for name, task in app.tasks.items()
        # Not Celery's own, nor the tests' probes.
        if not name.startswith("celery.") and "tests" not in task.__module__.split(".")
    }
    periodic = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    swept = {rule.task().name for rule in RULES}
    unaccounted = registered - periodic - swept - set(NOT_SWEPT)
    assert not unaccounted, f"neither periodic, swept nor named in NOT_SWEPT: {unaccounted}"
    # The names are real, each in one place only, each reason a sentence.
    assert (periodic | swept | set(NOT_SWEPT)) <= registered
    assert not set(NOT_SWEPT) & (periodic | swept)
    assert all(len(reason.split()) >= 5 for reason in NOT_SWEPT.values())
    assert len({rule.name for rule in RULES}) == len(RULES)
