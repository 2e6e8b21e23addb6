"""Settings → Records of processing: the current version, rendered readably in EN
or FR (``?lang=``), a printable page, a JSON download (audited), the history.

Every version is a snapshot written by the refresh task (compliance/records);
the pages only read them. Ids in the URL are looked up inside the member's
tenant: another tenant's version is a 404.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from audit.actions import RECORDS_EXPORTED
from audit.recorder import record
from compliance.records.export import snapshot_json_response
from compliance.records.hooks import queue_refresh
from compliance.records.present import changed_labels, present
from compliance.records.selectors import record_snapshot_get, record_snapshots
from compliance.selectors import latest_record_snapshot
from tenants.permissions import Capability
from web.tenancy import member_required

LANGUAGES = ("en", "fr")


def chosen_language(request) -> str | None:
    lang = request.GET.get("lang", "")
    return lang if lang in LANGUAGES else None


def history_rows(snapshots, *, view_url, json_url) -> list[dict]:
    return [
        {
            "snapshot": s,
            "changed": changed_labels(s.changed),
            "view_url": view_url(s),
            "json_url": json_url(s),
        }
        for s in snapshots
    ]


def _current(tenant):
    snapshot = latest_record_snapshot(tenant)
    if snapshot is None:
        # A workspace whose first version is not written yet: ask for it now
        # (it is there at once where tasks run in-process).
        queue_refresh(tenant.pk)
        snapshot = latest_record_snapshot(tenant)
    return snapshot


def _page(request, snapshot, *, latest):
    lang = chosen_language(request)
    with translation.override(lang or translation.get_language()):
        rows = history_rows(
            record_snapshots(request.tenant),
            view_url=lambda s: reverse("web:records-version", args=[s.pk]),
            json_url=lambda s: reverse("web:records-json", args=[s.pk]),
        )
        context = {
            "snapshot": snapshot,
            "latest": latest,
            "view": present(snapshot.content) if snapshot else None,
            "history": rows,
            "lang": lang or "",
            "section": "settings",
            "tab": "records",
        }
        return render(request, "compliance/records/settings.html", context)


@member_required(Capability.COMPLIANCE_READ)
def records(request):
    return _page(request, _current(request.tenant), latest=True)


@member_required(Capability.COMPLIANCE_READ)
def records_version(request, snapshot_id):
    snapshot = record_snapshot_get(request.tenant, snapshot_id=snapshot_id)
    latest = latest_record_snapshot(request.tenant)
    return _page(request, snapshot, latest=latest is not None and latest.pk == snapshot.pk)


@member_required(Capability.COMPLIANCE_READ)
def records_print(request, snapshot_id):
    snapshot = record_snapshot_get(request.tenant, snapshot_id=snapshot_id)
    lang = chosen_language(request) or translation.get_language()
    with translation.override(lang):
        context = {"snapshot": snapshot, "view": present(snapshot.content), "lang": lang}
        return render(request, "compliance/records/print.html", context)


@member_required(Capability.COMPLIANCE_READ)
def records_json(request, snapshot_id):
    snapshot = record_snapshot_get(request.tenant, snapshot_id=snapshot_id)
    record(
        RECORDS_EXPORTED,
        request=request,
        tenant=request.tenant,
        target=("record_snapshot", snapshot.pk),
        metadata={"version": snapshot.version, "format": "json"},
    )
    return snapshot_json_response(snapshot, slug=request.tenant.slug)
