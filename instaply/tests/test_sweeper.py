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

from instaply.sweeper import sweep
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
    assert sweep(now=_later(settings)) == {
        "webhook_deliveries": 0,
        "outbound_sms": 0,
        "dsr_work": 0,
        "dsr_outcome_emails": 0,
        "invitation_deliveries": 0,
        "broker_down": 0,
    }


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
