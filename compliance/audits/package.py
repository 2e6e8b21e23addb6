"""The evidence package of an accepted audit request: one ZIP of what the
tenant's auditors examine in place of a visit.

    records_of_processing.json   the tenant's records, refreshed, from their latest snapshot
    audit_log.jsonl              the tenant's audit log, as its export (audit/export.py)
    audit_chain_verification.json  the verification of the tenant's hash chain
    data_subject_requests.json   each request's type, state and times; no subject identifiers
    breach_notices.json          the breach notices sent to this tenant: times and facts
    access_transparency.csv      platform staff's access to the workspace (as its CSV)
    manifest.json                the SHA-256 and size of each file above

Built by the task ``compliance.build_audit_package`` once the acceptance
commits; a rerun of a finished package does nothing. Each run writes under its
own temporary name, then renames the file to a random name (nothing about the
tenant or the request), readable by the application only; the request is
marked READY only after the rename. ``audit_packages_delete_expired`` deletes
the file ``AUDIT_PACKAGE_KEEP_DAYS`` after the audit's date.
"""

import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import zipfile
import zoneinfo
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from audit import actions, export
from audit.recorder import Actor, record
from audit.selectors import ExportFilters, audit_event_export
from audit.verification import verify_tenant_chain
from breaches.models import NoticeUpdateDelivery
from breaches.selectors import notices_for_tenant
from compliance.models import AuditRequest
from compliance.records.snapshot import records_refresh
from compliance.selectors import latest_record_snapshot
from platform_staff import transparency_csv
from platform_staff.selectors.transparency import TransparencyFilters, transparency_export
from privacy.dsr import package as dsr_package
from privacy.dsr.selectors import dsr_events, dsr_list

logger = logging.getLogger(__name__)

Package = AuditRequest.Package
PACKAGE_DELETED = "compliance.audit_package_deleted"
# A temporary file older than this was left by a run that crashed.
STALE_PART = dt.timedelta(days=1)


def package_dir() -> Path:
    # The same private folder rules as access packages (privacy/dsr/package.py).
    return dsr_package.private_dir(settings.COMPLIANCE_PACKAGE_DIR)


def package_path(audit: AuditRequest) -> Path:
    return package_dir() / audit.package_file


def audit_package_build(*, request_id, now=None) -> bool:
    """Builds the package of an accepted request once; False when there was nothing to do."""
    with transaction.atomic():
        audit = _locked(request_id)
        if audit is None or audit.state != AuditRequest.State.ACCEPTED:
            return False
        if audit.package_state in (Package.READY, Package.EXPIRED):
            return False  # finished by an earlier run
        if audit.package_state != Package.PREPARING:  # a run again after a failure
            audit.package_state = Package.PREPARING
            audit.save(update_fields=["package_state"])
    now = now or timezone.now()
    part = package_dir() / f"{audit.pk}.{secrets.token_hex(8)}.part"
    try:
        manifest = _write_zip(part, audit, now)
        name = secrets.token_hex(16) + ".zip"
        os.replace(part, package_dir() / name)
    except Exception:
        logger.exception("evidence package of audit request %s failed", audit.pk)
        part.unlink(missing_ok=True)
        AuditRequest.objects.for_tenant(audit.tenant_id).filter(
            pk=audit.pk, package_state=Package.PREPARING
        ).update(package_state=Package.FAILED)
        return False
    return _finish(audit.pk, name, manifest, now)


def _locked(request_id) -> AuditRequest | None:
    return (
        AuditRequest.objects.dangerously_unscoped(reason="task by id of our own row")
        .select_for_update(of=("self",))
        .select_related("tenant")
        .filter(pk=request_id)
        .first()
    )


def _finish(request_id, name: str, manifest: dict, now: dt.datetime) -> bool:
    from compliance.audits.services import tell_owners

    path = package_dir() / name
    size, digest = _size_and_digest(path)
    with transaction.atomic():
        audit = _locked(request_id)
        if audit is None or audit.package_state != Package.PREPARING:
            path.unlink(missing_ok=True)  # another run finished first, or it was cancelled
            return False
        audit.package_state, audit.package_file = Package.READY, name
        audit.package_sha256, audit.package_size = digest, size
        audit.package_ready_at = now
        audit.package_expires_at = _expiry(audit, now)
        audit.save(
            update_fields=[
                "package_state",
                "package_file",
                "package_sha256",
                "package_size",
                "package_ready_at",
                "package_expires_at",
            ]
        )
        record(
            actions.AUDIT_PACKAGE_READY,
            tenant=audit.tenant_id,
            actor=Actor.system("audit_package"),
            target=("audit_request", audit.pk),
            metadata={"size": size, "files": len(manifest["files"]), "sha256": digest},
        )
        tell_owners(audit, "package_ready", audit.agreed_date)
    return True


def _expiry(audit: AuditRequest, now: dt.datetime) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(settings.PRIVACY_TIME_ZONE)
    audit_day = dt.datetime.combine(audit.agreed_date, dt.time(), tzinfo=zone)
    return max(now, audit_day) + dt.timedelta(days=settings.AUDIT_PACKAGE_KEEP_DAYS)


# The ZIP's files.


def _write_zip(path: Path, audit: AuditRequest, now: dt.datetime) -> dict:
    tenant = audit.tenant
    files = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, description, chunks in _parts(tenant, now):
            files.append(_write_entry(archive, name, description, chunks))
        manifest = {
            "request": str(audit.pk),
            "workspace": tenant.slug,
            "agreed_date": audit.agreed_date.isoformat(),
            "generated_at": now.isoformat(),
            "hash": "sha256",
            "files": files,
        }
        archive.writestr("manifest.json", _json(manifest))
    return manifest


def _parts(tenant, now) -> Iterator[tuple[str, str, Iterable[str]]]:
    yield (
        "records_of_processing.json",
        "The latest version of the workspace's records of processing (GDPR Art. 30(2)).",
        [_json(_records(tenant))],
    )
    yield (
        "audit_log.jsonl",
        "The workspace's audit log, one event per line with its seal (docs/audit-log.md).",
        export.jsonl_lines(audit_event_export(tenant=tenant, filters=ExportFilters())),
    )
    yield (
        "audit_chain_verification.json",
        "The verification of the workspace's hash chain when the package was built.",
        [_json(_verification(tenant, now))],
    )
    yield (
        "data_subject_requests.json",
        "Each data-subject request with its times; no identifier of the subject.",
        [_json(_dsr_times(tenant))],
    )
    yield (
        "breach_notices.json",
        "The breach notices sent to the workspace: their times and facts.",
        [_json(_breach_notices(tenant))],
    )
    yield (
        "access_transparency.csv",
        "Every request, approval, read and refusal of platform staff's access to the workspace.",
        transparency_csv.csv_lines(
            transparency_export(tenant=tenant, filters=TransparencyFilters())
        ),
    )


def _write_entry(archive, name: str, description: str, chunks: Iterable[str]) -> dict:
    digest, size = hashlib.sha256(), 0
    with archive.open(name, "w") as entry:
        for chunk in chunks:
            data = chunk.encode("utf-8")
            digest.update(data)
            size += len(data)
            entry.write(data)
    return {"name": name, "sha256": digest.hexdigest(), "size": size, "description": description}


def _json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False) + "\n"


def _records(tenant) -> dict:
    # Brought up to date first: the auditors read the records as they stand when
    # the package is built, and the history of versions is on the records page.
    records_refresh(tenant.pk, now=timezone.now())
    snapshot = latest_record_snapshot(tenant)
    if snapshot is None:
        return {
            "generated": False,
            "note": "The records of processing of this workspace have not been generated yet.",
        }
    return {
        "generated": True,
        "version": snapshot.version,
        "created_at": snapshot.created_at,
        "content_hash": snapshot.content_hash,
        "content": snapshot.content,
    }


def _verification(tenant, now) -> dict:
    verdict = verify_tenant_chain(tenant)
    return {
        "verified_at": now,
        "intact": verdict.intact,
        "sealed_events": verdict.events,
        "first_tenant_seq": verdict.first_seq,
        "last_tenant_seq": verdict.last_seq,
        "head_hash": verdict.head_hash,
        # Recorded but not sealed yet: in the log without a hash, checked at the next run.
        "pending_events": verdict.pending,
        "broken_tenant_seq": verdict.broken_seq,
        "broken_event": verdict.broken_event,
        "reason": verdict.reason,
        "notes": verdict.notes,
    }


def _dsr_times(tenant) -> list[dict]:
    rows, cursor = [], None
    while True:
        page, cursor = dsr_list(tenant=tenant, cursor=cursor, limit=200)
        for dsr in page:
            # One query per request: a background task, over a tenant's few hundred requests.
            steps = [{"kind": e.kind, "at": e.at} for e in dsr_events(dsr)]
            rows.append(
                {
                    "id": str(dsr.pk),
                    "type": dsr.request_type,
                    "state": dsr.state,
                    "subject_asked_on": dsr.subject_asked_on,
                    "received_at": dsr.received_at,
                    "due_at": dsr.due_at,
                    "closed_at": dsr.closed_at,
                    "paused": dsr.paused,
                    "steps": steps,
                }
            )
        if cursor is None:
            return rows


def _breach_notices(tenant) -> list[dict]:
    rows = []
    for notice in notices_for_tenant(tenant):
        incident = notice.incident
        updates = (
            NoticeUpdateDelivery.objects.for_tenant(tenant)
            .filter(notice=notice)
            .select_related("update")
            .order_by("update__number")
        )
        rows.append(
            {
                "incident": incident.reference,
                "title": incident.title,
                "aware_at": incident.aware_at,
                "declared_at": incident.declared_at,
                "deadline_at": notice.deadline_at,
                "sent_at": notice.sent_at,
                "late_seconds": notice.late_seconds,
                "late_reason": notice.late_reason,
                "acknowledged_at": notice.acknowledged_at,
                "natures": incident.natures,
                "properties": incident.properties,
                "data_categories": incident.data_categories,
                "subject_categories": incident.subject_categories,
                "subjects_count": notice.subjects_count,
                "records_count": notice.records_count,
                "description": incident.description,
                "likely_consequences": incident.likely_consequences,
                "measures": incident.measures,
                "risk_level": incident.risk_level,
                "dpo_contact": incident.dpo_contact,
                "state": incident.state,
                "closed_at": incident.closed_at,
                "updates": [
                    {"number": d.update.number, "facts": d.update.facts, "sent_at": d.sent_at}
                    for d in updates
                ],
            }
        )
    return rows


def _size_and_digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def audit_packages_delete_expired(*, now=None) -> int:
    """Deletes the files of packages past their retention; safe to repeat."""
    now = now or timezone.now()
    expired = AuditRequest.objects.dangerously_unscoped(
        reason="the periodic deletion of expired evidence packages walks every tenant"
    ).filter(package_state=Package.READY, package_expires_at__lte=now)
    deleted = 0
    for audit in expired.only("id", "tenant_id", "package_file").iterator():
        # Missing when an earlier run deleted it and stopped before saving.
        if audit.package_file:
            package_path(audit).unlink(missing_ok=True)
        audit.package_state = Package.EXPIRED
        audit.save(update_fields=["package_state"])
        record(
            PACKAGE_DELETED,
            tenant=audit.tenant_id,
            actor=Actor.system("delete_expired_audit_packages"),
            target=("audit_request", audit.pk),
        )
        deleted += 1
    _delete_stale_parts(now)
    return deleted


def _delete_stale_parts(now: dt.datetime) -> None:
    limit = now.timestamp() - STALE_PART.total_seconds()
    for part in package_dir().glob("*.part"):
        try:
            if part.stat().st_mtime < limit:
                part.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
