"""Console → a tenant's records of processing, for the platform's DPO.

The record is the processor's own (GDPR Art. 30(2)) and must be handed to an
authority on request: the DPO reads it and its history like the tenant does.
It holds codes, counts and the controller's contact points, never end-user
content. Downloading a version is audited on the tenant's chain.
"""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from audit.actions import RECORDS_EXPORTED
from audit.recorder import Actor, record
from compliance.records.export import snapshot_json_response
from compliance.records.present import present
from compliance.records.selectors import record_snapshot_get, record_snapshots
from compliance.selectors import latest_record_snapshot
from compliance.views_records_settings import chosen_language, history_rows
from instaply.errors import NotFound
from platform_staff.console import staff_required
from tenants.models import Tenant

DPO = "dpo"


def _tenant(tenant_id) -> Tenant:
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise Http404
    return tenant


def _snapshot(tenant, snapshot_id):
    try:
        return record_snapshot_get(tenant, snapshot_id=snapshot_id)
    except NotFound:
        raise Http404 from None


def _page(request, tenant, snapshot):
    lang = chosen_language(request)
    latest = latest_record_snapshot(tenant)
    with translation.override(lang or translation.get_language()):
        rows = history_rows(
            record_snapshots(tenant),
            view_url=lambda s: reverse("platform:records-version", args=[tenant.pk, s.pk]),
            json_url=lambda s: reverse("platform:records-json", args=[tenant.pk, s.pk]),
        )
        context = {
            "tenant": tenant,
            "snapshot": snapshot,
            "latest": snapshot is not None and latest is not None and latest.pk == snapshot.pk,
            "view": present(snapshot.content) if snapshot else None,
            "history": rows,
            "lang": lang or "",
            "section": "tenants",
        }
        return render(request, "compliance/records/console.html", context)


@staff_required(DPO)
def tenant_records(request, tenant_id):
    tenant = _tenant(tenant_id)
    return _page(request, tenant, latest_record_snapshot(tenant))


@staff_required(DPO)
def tenant_records_version(request, tenant_id, snapshot_id):
    tenant = _tenant(tenant_id)
    return _page(request, tenant, _snapshot(tenant, snapshot_id))


@staff_required(DPO)
def tenant_records_json(request, tenant_id, snapshot_id):
    tenant = _tenant(tenant_id)
    snapshot = _snapshot(tenant, snapshot_id)
    record(
        RECORDS_EXPORTED,
        request=request,
        tenant=tenant,
        actor=Actor.platform_staff(request.user),
        target=("record_snapshot", snapshot.pk),
        metadata={"version": snapshot.version, "format": "json"},
    )
    return snapshot_json_response(snapshot, slug=tenant.slug)
