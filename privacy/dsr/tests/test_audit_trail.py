"""Every step of every type of request is audited as ``privacy.request_*``,
target the request itself (``("dsr", <id>)``), with no identifier of the
subject in the metadata: one walk through all of them, with the real executors."""

import datetime as dt
import json

import pytest
import time_machine

from audit.models import AuditEvent
from privacy.dsr import erasure, services
from privacy.dsr.downloads import delete_expired_packages
from privacy.dsr.models import DataSubjectRequest
from privacy.dsr.reminders import dsr_remind
from privacy.dsr.tests.helpers import contact_with, dpo, file

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris
PHONES = {
    "access": "+33611000001",
    "rectification": "+33611000002",
    "restriction": "+33611000003",
    "objection": "+33611000004",
    "erasure": "+33611000005",
    "rejected": "+33611000006",
}
EVERY_STEP = {
    "privacy.request_filed",
    "privacy.request_linked",
    "privacy.request_paused",
    "privacy.request_resumed",
    "privacy.request_cancelled",
    "privacy.request_started",
    "privacy.request_completed",
    "privacy.request_rejected",
    "privacy.request_reminded",
    "privacy.request_package_built",
    "privacy.request_package_deleted",
    "privacy.request_erasure_started",
    "privacy.request_erasure_done",
    "privacy.request_rectified",
    "privacy.request_restricted",
    "privacy.request_restriction_lifted",
    "privacy.request_objection_applied",
    "privacy.request_objection_withdrawn",
}


def test_every_step_of_every_type_is_audited_with_the_request_id(
    tenant_a, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PRIVACY_PACKAGE_DIR = tmp_path / "packages"
    monkeypatch.setattr(erasure, "GIVE_WAY", 0.0)
    officer = dpo()
    owner = tenant_a.owner
    contacts = {kind: contact_with(tenant_a, phone=phone) for kind, phone in PHONES.items()}
    filed = []

    def new(request_type, kind, **kwargs):
        dsr, created = file(owner, request_type, phone=PHONES[kind], **kwargs)
        assert created
        filed.append(dsr)
        return dsr

    def work(dsr):
        with django_capture_on_commit_callbacks(execute=True):
            services.dsr_start(staff=officer, dsr=dsr)
        dsr = DataSubjectRequest.objects.get(pk=dsr.pk)
        assert dsr.state == DataSubjectRequest.State.COMPLETED, dsr.events.last().reason
        return dsr

    with time_machine.travel(MONDAY):
        access = work(new("access", "access"))
        work(new("rectification", "rectification", corrections={"name": "Ann Other"}))
        work(new("restriction", "restriction"))
        work(new("restriction_withdrawal", "restriction"))
        work(new("objection", "objection", purpose="marketing"))
        work(new("objection_withdrawal", "objection", purpose="marketing"))
        erase = new("erasure", "erasure")
        new("erasure", "erasure")  # linked to the open one
        work(erase)
        # Identifiers of nobody: filed paused; answered (resumed), then cancelled.
        unknown, _ = file(owner, "access", phone="+33611999999")
        filed.append(unknown)
        services.dsr_answer(
            membership=owner, dsr=unknown, contact_id=contacts["rejected"].pk, note="It is her."
        )
        services.dsr_cancel(membership=owner, dsr=unknown)
        refused = new("access", "rejected")
    assert dsr_remind(now=MONDAY + dt.timedelta(days=2)) == 1  # only `refused` is still open
    with time_machine.travel(MONDAY + dt.timedelta(days=2)):
        services.dsr_reject(staff=officer, dsr=refused, reason="Not a customer of ours.")
    assert delete_expired_packages(now=access.package.expires_at + dt.timedelta(minutes=1)) == 1

    events = list(AuditEvent.objects.filter(action__startswith="privacy.request_"))
    assert {e.action for e in events} == EVERY_STEP
    ids = {str(dsr.pk) for dsr in filed}
    assert {(e.target_kind, e.target_id) for e in events} == {("dsr", i) for i in ids}
    assert {e.target_id for e in events if e.action == "privacy.request_filed"} == ids
    written = json.dumps([e.metadata for e in events])
    for phone in [*PHONES.values(), "+33611999999"]:
        assert phone not in written and phone.lstrip("+") not in written
    assert "Ann Other" not in written
