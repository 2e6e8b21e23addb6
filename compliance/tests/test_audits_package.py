"""The evidence package of an accepted audit request: every part present and
of this tenant only, the manifest's digests true, built once, failing cleanly,
deleted after its retention."""

import csv
import datetime as dt
import hashlib
import io
import json
import stat
import zipfile

import pytest

from audit import actions
from audit.models import AuditEvent
from audit.recorder import Actor, record
from audit.sealing import seal_events
from breaches.models import BreachNotice, Incident
from compliance.audits import package as package_module
from compliance.audits.package import audit_packages_delete_expired, package_path
from compliance.models import AuditRequest, RecordSnapshot
from compliance.tasks import build_audit_package
from compliance.tests import audits_helpers
from compliance.tests.audits_helpers import NOW, accepted
from conversations.services.contacts import contact_get_or_create
from privacy.dsr.services import dsr_file, dsr_pause, dsr_resume

pytestmark = pytest.mark.django_db
# The helpers' fixtures, in this module's namespace for pytest to find.
clock, dpo, package_dir = audits_helpers.clock, audits_helpers.dpo, audits_helpers.package_dir

PHONE = "+33612345678"
FILES = {
    "records_of_processing.json",
    "audit_log.jsonl",
    "audit_chain_verification.json",
    "data_subject_requests.json",
    "breach_notices.json",
    "access_transparency.csv",
    "manifest.json",
}


def incident(reference, *tenants_sent):
    found = Incident.objects.create(
        reference=reference,
        title=f"Incident {reference}",
        aware_at=NOW - dt.timedelta(days=10),
        natures=["unauthorised_access"],
        data_categories=["contact_details"],
        likely_consequences="Phone numbers may have been read.",
        measures="Keys rotated.",
        dpo_contact="dpo@instaply.localhost",
        risk_level="medium",
    )
    for world in tenants_sent:
        BreachNotice.objects.create(
            tenant=world.tenant,
            incident=found,
            subjects_count=12,
            deadline_at=found.deadline,
            sent_at=found.aware_at + dt.timedelta(hours=20),
        )
    return found


@pytest.fixture
def history(clock, tenant_a, tenant_b, dpo):
    """What tenant A's package must show, and tenant B's that it must not."""
    contact_get_or_create(tenant_id=tenant_a.tenant.pk, kind="phone", value=PHONE)
    dsr, _ = dsr_file(
        membership=tenant_a.owner,
        request_type="access",
        phone=PHONE,
        subject_asked_on=NOW.date(),
        identity_verified=True,
    )
    dsr_pause(actor=dpo, dsr=dsr, reason="Which of the shop's numbers?")
    dsr_resume(actor=dpo, dsr=dsr, reason="The shop answered.")
    incident("INC-2026-0001", tenant_a, tenant_b)
    incident("INC-2026-0002", tenant_b)
    record(
        "platform.access_requested",
        tenant=tenant_a.tenant,
        actor=Actor.platform_staff(dpo.user),
        target=("grant", "g-1"),
        metadata={"grant": "g-1", "reason_code": "incident", "hours": 4},
    )
    seal_events()
    return dsr


def opened(audit):
    audit.refresh_from_db()
    assert audit.package_state == AuditRequest.Package.READY
    return zipfile.ZipFile(package_path(audit))


def read_json(archive, name):
    return json.loads(archive.read(name))


def test_the_package_holds_every_part_of_this_tenant_only(
    history, tenant_a, dpo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit = accepted(tenant_a, dpo)
    archive = opened(audit)
    assert set(archive.namelist()) == FILES

    manifest = read_json(archive, "manifest.json")
    assert manifest["request"] == str(audit.pk)
    assert {f["name"] for f in manifest["files"]} == FILES - {"manifest.json"}
    for entry in manifest["files"]:
        data = archive.read(entry["name"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["size"]
    whole = hashlib.sha256(package_path(audit).read_bytes()).hexdigest()
    assert audit.package_sha256 == whole

    records = read_json(archive, "records_of_processing.json")
    assert records["generated"] is True
    assert records["content"]["controller"]["name"] == tenant_a.tenant.name

    verification = read_json(archive, "audit_chain_verification.json")
    assert verification["intact"] is True
    assert verification["sealed_events"] >= 3 and verification["reason"] == ""

    log = [json.loads(line) for line in archive.read("audit_log.jsonl").splitlines()]
    assert {row["tenant_id"] for row in log} == {str(tenant_a.tenant.pk)}
    assert "platform.access_requested" in {row["action"] for row in log}
    assert any(row["hash"] for row in log)  # sealed events carry their link

    (request,) = read_json(archive, "data_subject_requests.json")
    assert request["id"] == str(history.pk) and request["type"] == "access"
    assert [step["kind"] for step in request["steps"]][:3] == ["received", "paused", "resumed"]
    assert request["received_at"].startswith("2026-03-03T09:00")
    history.refresh_from_db()
    assert request["due_at"] == history.due_at.isoformat().replace("+00:00", "Z")

    (notice,) = read_json(archive, "breach_notices.json")
    assert notice["incident"] == "INC-2026-0001"
    assert notice["subjects_count"] == 12 and notice["measures"] == "Keys rotated."
    assert notice["sent_at"] and notice["deadline_at"]

    rows = list(csv.DictReader(io.StringIO(archive.read("access_transparency.csv").decode())))
    assert [row["action"] for row in rows] == ["platform.access_requested"]

    # No identifier of the data subject anywhere in the package.
    for name in FILES:
        assert PHONE.encode() not in archive.read(name)
        assert b"612345678" not in archive.read(name)
    assert stat.S_IMODE(package_path(audit).stat().st_mode) == 0o600


def test_the_records_in_the_package_are_brought_up_to_date_first(
    clock, tenant_a, dpo, django_capture_on_commit_callbacks
):
    # An outdated snapshot (not what the configuration gives today).
    latest = RecordSnapshot.objects.for_tenant(tenant_a.tenant).order_by("-version").first()
    version = (latest.version if latest else 0) + 1
    RecordSnapshot.objects.create(
        tenant=tenant_a.tenant,
        version=version,
        content={"version": version, "purposes": ["messaging"]},
        content_hash=f"{version:064d}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        audit = accepted(tenant_a, dpo)
    records = read_json(opened(audit), "records_of_processing.json")
    current = RecordSnapshot.objects.for_tenant(tenant_a.tenant).order_by("-version").first()
    assert records["generated"] is True and records["version"] == current.version > version
    assert records["content"] == current.content
    assert records["content"]["controller"]["name"] == tenant_a.tenant.name


def test_the_task_run_again_changes_nothing(
    clock, tenant_a, dpo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit = accepted(tenant_a, dpo)
    audit.refresh_from_db()
    first = (audit.package_file, audit.package_sha256, audit.package_ready_at)
    assert build_audit_package.delay(str(audit.pk)).get() is False
    audit.refresh_from_db()
    assert (audit.package_file, audit.package_sha256, audit.package_ready_at) == first
    ready = AuditEvent.objects.for_tenant(tenant_a.tenant).filter(
        action=actions.AUDIT_PACKAGE_READY
    )
    assert ready.count() == 1
    assert ready.get().metadata["sha256"] == audit.package_sha256
    assert [p.name for p in package_path(audit).parent.iterdir()] == [audit.package_file]


def test_a_request_not_accepted_gets_no_package(clock, tenant_a):
    audit = audits_helpers.filed(tenant_a)
    assert build_audit_package.delay(str(audit.pk)).get() is False
    audit.refresh_from_db()
    assert audit.package_state == AuditRequest.Package.NONE


def test_a_failed_build_is_marked_and_built_again(
    clock, tenant_a, dpo, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(tenant, now):
        raise RuntimeError("disk full")
        yield

    monkeypatch.setattr(package_module, "_parts", broken)
    with django_capture_on_commit_callbacks(execute=True):
        audit = accepted(tenant_a, dpo)
    audit.refresh_from_db()
    assert audit.package_state == AuditRequest.Package.FAILED
    assert list(package_module.package_dir().iterdir()) == []  # nothing half-written left
    monkeypatch.undo()
    assert build_audit_package.delay(str(audit.pk)).get() is True
    audit.refresh_from_db()
    assert audit.package_state == AuditRequest.Package.READY


def test_packages_are_deleted_after_their_retention(
    clock, tenant_a, dpo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit = accepted(tenant_a, dpo)
    audit.refresh_from_db()
    # The audit's date at midnight in Paris, plus 30 days.
    assert audit.package_expires_at == dt.datetime(
        audit.agreed_date.year, audit.agreed_date.month, audit.agreed_date.day, tzinfo=dt.UTC
    ) - dt.timedelta(hours=2) + dt.timedelta(days=30)
    path = package_path(audit)
    assert (
        audit_packages_delete_expired(now=audit.package_expires_at - dt.timedelta(minutes=1)) == 0
    )
    assert path.exists()
    assert audit_packages_delete_expired(now=audit.package_expires_at) == 1
    assert not path.exists()
    audit.refresh_from_db()
    assert audit.package_state == AuditRequest.Package.EXPIRED
    assert (
        AuditEvent.objects.for_tenant(tenant_a.tenant)
        .filter(action="compliance.audit_package_deleted", target_id=str(audit.pk))
        .exists()
    )
    assert audit_packages_delete_expired(now=audit.package_expires_at) == 0


def test_the_deletion_is_scheduled_hourly(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["compliance.delete_expired_audit_packages"]
    assert schedule == {"task": "compliance.delete_expired_audit_packages", "schedule": 3600}
