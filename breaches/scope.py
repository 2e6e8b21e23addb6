"""Which tenants an incident touched, from the scope platform security states.

A scope is a small JSON object, stored on ``Incident.scope`` as stated (after
``scope_clean``), so the register shows how the tenants were chosen:

- ``{"kind": "explicit", "tenants": [<tenant id>, ...]}``
- ``{"kind": "audit", "start": <iso>, "end": <iso>, "actions": [...], "actors": [...]}``:
  tenants with an audit event in [start, end] whose action is listed and/or whose
  actor is listed (both lists given: an event must match both). An actor is
  named by the event's ``actor_id`` (a user, token or system name) or by its
  ``actor_member_id`` (a membership id, what a person did in one tenant).
- ``{"kind": "subprocessor", "code": <registry code>, "start": <iso>, "end": <iso>}``:
  tenants the sub-processor served at some time in the window
  (``compliance.usage.tenants_served_by``).
- ``{"kind": "key_version", "layer": "master"|"tenant", "version": N}``: tenants
  holding a key at or below version N. ``master`` (the default) reads a master
  key version: the tenant keys it wraps (``TenantKey.master_version``), the
  usual breach (a master key leaked or was weak). ``tenant`` reads the version
  of the tenants' own data keys (``TenantKey.version``, purpose ``data``), for a
  flaw in how tenant keys up to some version were made. Both read the keys as
  they are now: a key re-wrapped or rotated since is no longer counted, so a
  leak found after a rotation is stated as an explicit list.

``explicit`` and ``key_version`` may carry a ``start``/``end`` window too; it
only bounds the counts (breaches.counts). Every query here crosses tenants and
reads ids only.
"""

import datetime as dt
import uuid

from django.db.models import Q
from django.utils.dateparse import parse_datetime

from audit.models import AuditEvent
from instaply.errors import Invalid
from privacy.models import TenantKey
from tenants.models import Tenant

KINDS = ("explicit", "audit", "subprocessor", "key_version")
KEY_LAYERS = ("master", "tenant")
MAX_ITEMS = 200


def _when(value, *, field: str) -> dt.datetime:
    try:
        moment = (
            value if isinstance(value, dt.datetime) else parse_datetime(str(value or "").strip())
        )
    except ValueError:  # well formed, but no such day or hour
        moment = None
    if moment is None:
        raise Invalid(
            f"Give the {field} of the window as a date and time.", fields={field: "required"}
        )
    if moment.tzinfo is None:
        raise Invalid(f"The {field} of the window needs a time zone.", fields={field: "naive"})
    return moment.astimezone(dt.UTC)


def _window(scope: dict, *, now: dt.datetime, required: bool) -> dict:
    if not required and not scope.get("start") and not scope.get("end"):
        return {}
    start = _when(scope.get("start"), field="start")
    end = _when(scope.get("end"), field="end")
    if end < start:
        raise Invalid("The window ends before it starts.", fields={"end": "before start"})
    if start > now:
        raise Invalid("The window cannot start in the future.", fields={"start": "in the future"})
    return {"start": start.isoformat(), "end": end.isoformat()}


def _strings(values, *, field: str) -> list[str]:
    if isinstance(values, str):
        values = values.split()
    cleaned = sorted({str(value).strip() for value in values or () if str(value).strip()})
    if len(cleaned) > MAX_ITEMS:
        raise Invalid(f"List at most {MAX_ITEMS} {field}.", fields={field: "too many"})
    return cleaned


def _uuids(values, *, field: str) -> list[str]:
    out = []
    for value in _strings(values, field=field):
        try:
            out.append(str(uuid.UUID(value)))
        except ValueError:
            raise Invalid(f"{value[:40]!r} is not an id.", fields={field: "not an id"}) from None
    return sorted(set(out))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def scope_clean(scope: dict, *, now: dt.datetime) -> dict:
    """The scope as stored: validated, times in UTC ISO form, lists sorted.
    Raises ``Invalid`` naming the field that is wrong."""
    if not isinstance(scope, dict) or scope.get("kind") not in KINDS:
        raise Invalid("Choose how the affected tenants are found.", fields={"kind": "unknown"})
    kind = scope["kind"]
    if kind == "explicit":
        tenants = _uuids(scope.get("tenants"), field="tenants")
        if not tenants:
            raise Invalid("List the affected tenants.", fields={"tenants": "required"})
        window = _window(scope, now=now, required=False)
        return {"kind": kind, "tenants": tenants, **window}
    if kind == "audit":
        actions = _strings(scope.get("actions"), field="actions")
        actors = _strings(scope.get("actors"), field="actors")
        if not actions and not actors:
            raise Invalid("List audit actions, actors or both.", fields={"actions": "required"})
        window = _window(scope, now=now, required=True)
        return {"kind": kind, "actions": actions, "actors": actors, **window}
    if kind == "subprocessor":
        from compliance.models import SubProcessor

        code = str(scope.get("code") or "").strip()
        if not SubProcessor.objects.filter(code=code).exists():
            raise Invalid("Choose a sub-processor of the registry.", fields={"code": "unknown"})
        return {"kind": kind, "code": code, **_window(scope, now=now, required=True)}
    layer = scope.get("layer") or "master"
    if layer not in KEY_LAYERS:
        raise Invalid("Choose the master key or the tenant keys.", fields={"layer": "unknown"})
    try:
        version = int(scope.get("version"))
    except (TypeError, ValueError):
        version = 0
    if version < 1:
        raise Invalid("Give the key version (1 or more).", fields={"version": "required"})
    window = _window(scope, now=now, required=False)
    return {"kind": kind, "layer": layer, "version": version, **window}


def scope_window(scope: dict) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The (start, end) of a cleaned scope, or (None, None) when it states none."""
    if not scope.get("start"):
        return None, None
    return parse_datetime(scope["start"]), parse_datetime(scope["end"])


def audit_events_in_scope(scope: dict):
    """The audit events an ``audit`` scope names (tenant events only)."""
    start, end = scope_window(scope)
    events = AuditEvent.objects.dangerously_unscoped(
        reason="breach scope: which tenants' events match, across tenants, ids only"
    ).filter(tenant__isnull=False, created_at__gte=start, created_at__lte=end)
    if scope["actions"]:
        events = events.filter(action__in=scope["actions"])
    if scope["actors"]:
        members = [uuid.UUID(actor) for actor in scope["actors"] if _is_uuid(actor)]
        events = events.filter(Q(actor_id__in=scope["actors"]) | Q(actor_member_id__in=members))
    return events


def _key_tenants(scope: dict) -> set:
    keys = TenantKey.objects.dangerously_unscoped(
        reason="breach scope: which tenants hold a key at or below a version, ids only"
    )
    if scope["layer"] == "master":
        keys = keys.filter(master_version__lte=scope["version"])
    else:
        keys = keys.filter(purpose=TenantKey.Purpose.DATA, version__lte=scope["version"])
    return set(keys.values_list("tenant_id", flat=True).distinct())


def affected_tenant_ids(scope: dict) -> list:
    """Ids of the existing tenants a cleaned scope names, sorted."""
    kind = scope["kind"]
    if kind == "explicit":
        ids = {uuid.UUID(value) for value in scope["tenants"]}
    elif kind == "audit":
        ids = set(audit_events_in_scope(scope).values_list("tenant_id", flat=True).distinct())
    elif kind == "subprocessor":
        from compliance.usage import tenants_served_by

        start, end = scope_window(scope)
        ids = tenants_served_by(scope["code"], start, end)
    else:
        ids = _key_tenants(scope)
    # Only tenants that still exist (audit rows outlive deleted tenants).
    return sorted(Tenant.objects.filter(pk__in=ids).values_list("pk", flat=True))
