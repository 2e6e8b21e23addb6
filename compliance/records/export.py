"""A snapshot as the JSON file the tenant (or the platform's DPO) downloads."""

import json

from django.http import HttpResponse

from compliance.models import RecordSnapshot


def snapshot_document(snapshot: RecordSnapshot) -> dict:
    return {
        "version": snapshot.version,
        "created_at": snapshot.created_at.isoformat(),
        "content_sha256": snapshot.content_hash,
        "changed": list(snapshot.changed),
        "record": snapshot.content,
    }


def snapshot_json_response(snapshot: RecordSnapshot, *, slug: str) -> HttpResponse:
    body = json.dumps(snapshot_document(snapshot), indent=2, ensure_ascii=False, sort_keys=True)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"records-of-processing-{slug}-v{snapshot.version}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
