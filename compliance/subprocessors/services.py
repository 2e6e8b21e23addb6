"""Writes of the sub-processor registry: announcing a change, objecting to one.

A change (a new sub-processor, or one replacing another) takes effect at least
SUBPROCESSOR_NOTICE_DAYS after it is announced; every tenant's owners and
privacy members are told at once (an in-app notice, and an email sent by a
task per tenant) and may object until the day before it takes effect. Each
write is one transaction with its audit event; events name ids and codes only.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from audit import actions
from audit.recorder import Actor, record
from breaches.models import DataCategory
from compliance.models import SubProcessor, SubProcessorChange, SubProcessorObjection
from instaply.errors import Conflict, Forbidden, Invalid
from instaply.publish import publish_after_commit
from platform_staff.models import PlatformRole, PlatformStaff
from tenants.models import Membership, Tenant
from tenants.permissions import Capability
from tenants.scoping import require_same_tenant
from tenants.services.notices import notice_post

NOTICE_KIND = "subprocessor.change_announced"
REASON_MAX = 2000
NOTE_MAX = 2000
ENTRY_FIELDS = (
    "code",
    "name",
    "purpose_en",
    "purpose_fr",
    "data_categories",
    "country",
    "safeguard",
    "integrations",
)


def _day(value: dt.date) -> dt.datetime:
    # The recorder redacts a bare ISO date (it has the shape of a phone number).
    return dt.datetime.combine(value, dt.time.min, tzinfo=dt.UTC)


def earliest_effective_on(now: dt.datetime) -> dt.date:
    """The first date a change announced at ``now`` may take effect."""
    return now.date() + dt.timedelta(days=settings.SUBPROCESSOR_NOTICE_DAYS)


def _check_dpo(staff: PlatformStaff) -> None:
    if staff is None or not staff.has_role(PlatformRole.DPO):
        raise Forbidden("Only the platform's data-protection officer announces sub-processors.")


def _effective_on(value, now: dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise Invalid("Give the date of effect as a date.", fields={"effective_on": "not a date"})
    earliest = earliest_effective_on(now)
    if value < earliest:
        raise Invalid(
            f"The date of effect must be at least {settings.SUBPROCESSOR_NOTICE_DAYS} days "
            f"after the announcement: {earliest.isoformat()} or later.",
            fields={"effective_on": "too soon"},
        )
    return value


def _text(value, *, field: str, most: int, what: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"Give the {what}.", fields={field: "required"})
    if len(value) > most:
        raise Invalid(f"Keep the {what} under {most} characters.", fields={field: "too long"})
    return value


def _entry_fields(entry: dict) -> dict:
    """A new registry entry's fields, checked."""
    unknown = set(entry) - set(ENTRY_FIELDS)
    if unknown:
        raise Invalid(
            "Unknown fields: " + ", ".join(sorted(unknown)),
            fields=dict.fromkeys(sorted(unknown), "unknown"),
        )
    model = SubProcessor._meta
    code = _text(entry.get("code"), field="code", most=40, what="code").lower()
    if not code.replace("_", "").replace("-", "").isalnum():
        raise Invalid("The code takes letters, digits, - and _ only.", fields={"code": "invalid"})
    if SubProcessor.objects.filter(code=code).exists():
        raise Conflict(f"The registry already has an entry coded {code}.", fields={"code": "taken"})
    country = _text(entry.get("country"), field="country", most=2, what="country").upper()
    if len(country) != 2 or not country.isalpha():
        raise Invalid(
            "Give the country as two letters (ISO 3166-1, or EU).", fields={"country": "invalid"}
        )
    safeguard = entry.get("safeguard") or ""
    if safeguard not in SubProcessor.Safeguard.values:
        raise Invalid("Choose the transfer safeguard.", fields={"safeguard": "invalid"})
    categories = list(entry.get("data_categories") or [])
    unknown_categories = set(categories) - set(DataCategory.values)
    if unknown_categories:
        raise Invalid(
            "Unknown data categories: " + ", ".join(sorted(unknown_categories)),
            fields={"data_categories": "invalid"},
        )
    integrations = [str(i).strip() for i in entry.get("integrations") or [] if str(i).strip()]
    return {
        "code": code,
        "name": _text(
            entry.get("name"), field="name", most=model.get_field("name").max_length, what="name"
        ),
        "purpose_en": _text(
            entry.get("purpose_en"), field="purpose_en", most=300, what="purpose (English)"
        ),
        "purpose_fr": _text(
            entry.get("purpose_fr"), field="purpose_fr", most=300, what="purpose (French)"
        ),
        "data_categories": categories,
        "country": country,
        "safeguard": safeguard,
        "integrations": integrations,
    }


def _replaced(kind: str, replaces: SubProcessor | None, effective_on: dt.date):
    if kind == SubProcessorChange.Kind.ADDED:
        if replaces is not None:
            raise Invalid(
                "An addition replaces nothing; choose Replace.", fields={"replaces": "not allowed"}
            )
        return None
    if replaces is None:
        raise Invalid("Choose the sub-processor being replaced.", fields={"replaces": "required"})
    replaces = SubProcessor.objects.select_for_update().get(pk=replaces.pk)
    if replaces.retired_on is not None:
        raise Conflict(
            f"{replaces.name} is already replaced from {replaces.retired_on.isoformat()}.",
            fields={"replaces": "retired"},
        )
    if replaces.since >= effective_on:
        raise Invalid(
            f"{replaces.name} only starts on {replaces.since.isoformat()}.",
            fields={"replaces": "not started"},
        )
    return replaces


def subprocessor_change_announce(
    *,
    staff: PlatformStaff,
    now: dt.datetime,
    kind: str,
    effective_on: dt.date,
    note: str = "",
    replaces: SubProcessor | None = None,
    entry: dict | None = None,
    subprocessor: SubProcessor | None = None,
    request=None,
) -> SubProcessorChange:
    """Announces a new sub-processor (``entry``: its fields; or ``subprocessor``: an
    entry made beforehand and not yet announced), optionally replacing one."""
    _check_dpo(staff)
    if kind not in SubProcessorChange.Kind.values:
        raise Invalid("Choose Add or Replace.", fields={"kind": "invalid"})
    effective_on = _effective_on(effective_on, now)
    note = _text(note, field="note", most=NOTE_MAX, what="note", required=False)
    if (entry is None) == (subprocessor is None):
        raise Invalid("Give the new sub-processor's details.", fields={"entry": "required"})
    with transaction.atomic():
        replaces = _replaced(kind, replaces, effective_on)
        if entry is not None:
            new = SubProcessor.objects.create(**_entry_fields(entry), since=effective_on)
        else:
            new = SubProcessor.objects.select_for_update().get(pk=subprocessor.pk)
            if new.retired_on is not None or new.since <= now.date():
                raise Conflict(
                    f"{new.name} is already in the registry.", fields={"entry": "in use"}
                )
            new.since = effective_on
            new.save(update_fields=["since"])
        if replaces is not None and replaces.pk == new.pk:
            raise Invalid("A sub-processor cannot replace itself.", fields={"replaces": "same"})
        change = SubProcessorChange.objects.create(
            kind=kind,
            subprocessor=new,
            replaces=replaces,
            effective_on=effective_on,
            announced_at=now,
            announced_by=staff,
            note=note,
        )
        if replaces is not None:
            replaces.retired_on = effective_on
            replaces.save(update_fields=["retired_on"])
        tenant_ids = list(Tenant.objects.order_by("pk").values_list("pk", flat=True))
        record(
            actions.SUBPROCESSOR_CHANGE_ANNOUNCED,
            request=request,
            actor=Actor.platform_staff(staff.user),
            target=("subprocessor_change", change.pk),
            metadata={
                "kind": kind,
                "code": new.code,
                "replaces": replaces.code if replaces else "",
                "effective_on": _day(effective_on),
                "tenants": len(tenant_ids),
                "staff": str(staff.pk),
            },
        )
        _tell_tenants(change, tenant_ids)
    return change


def _tell_tenants(change: SubProcessorChange, tenant_ids: list) -> None:
    """A notice in every tenant now; each tenant's email by a task after commit."""
    link = reverse("web:subprocessors")
    params = {
        "change": str(change.pk),
        "kind": change.kind,
        "code": change.subprocessor.code,
        "replaces": change.replaces.code if change.replaces else "",
        "effective_on": change.effective_on.isoformat(),
    }
    for tenant_id in tenant_ids:
        notice_post(
            tenant=Tenant(pk=tenant_id),
            capability=Capability.SUBPROCESSOR_OBJECT,
            kind=NOTICE_KIND,
            link=link,
            params=params,
        )
    from compliance import tasks

    # A lost publish leaves the tenant's email unmarked, for the sweeper (it sends once).
    for tenant_id in tenant_ids:
        publish_after_commit(tasks.notify_subprocessor_change, change.pk, tenant_id)


def _check_objector(membership: Membership) -> None:
    if membership is None or not membership.can(Capability.SUBPROCESSOR_OBJECT):
        raise Forbidden("Only owners and privacy members may object to a sub-processor.")


def _before_effect(change: SubProcessorChange, now: dt.datetime) -> None:
    if now.date() >= change.effective_on:
        raise Conflict(
            f"This change took effect on {change.effective_on.isoformat()}: objections "
            "are taken until the day before.",
            fields={"change": "in effect"},
        )


def _record_objection(action: str, objection: SubProcessorObjection, membership, request):
    record(
        action,
        request=request,
        tenant=objection.tenant_id,
        actor=Actor.member(membership),
        target=("subprocessor_objection", objection.pk),
        metadata={"change": str(objection.change_id)},
    )


def objection_raise(
    *,
    membership: Membership,
    change: SubProcessorChange,
    reason: str,
    now: dt.datetime,
    request=None,
) -> SubProcessorObjection:
    """The tenant objects to ``change``: once per change (a withdrawn objection may be
    raised again), before its date of effect. The platform's DPO is emailed."""
    _check_objector(membership)
    _before_effect(change, now)
    reason = _text(reason, field="reason", most=REASON_MAX, what="reason for the objection")
    with transaction.atomic():
        objection = (
            SubProcessorObjection.objects.for_tenant(membership.tenant_id)
            .select_for_update()
            .filter(change=change)
            .first()
        )
        if objection is not None and objection.withdrawn_at is None:
            raise Conflict(
                "Your workspace has already objected to this change.",
                fields={"change": "already objected"},
            )
        if objection is None:
            objection = SubProcessorObjection.objects.create(
                tenant_id=membership.tenant_id,
                change=change,
                raised_by=membership,
                reason=reason,
                raised_at=now,
            )
        else:
            objection.raised_by = membership
            objection.reason = reason
            objection.raised_at = now
            objection.withdrawn_at = None
            objection.dpo_emailed_at = None
            objection.save(
                update_fields=["raised_by", "reason", "raised_at", "withdrawn_at", "dpo_emailed_at"]
            )
        _record_objection(actions.SUBPROCESSOR_OBJECTION_RAISED, objection, membership, request)
        from compliance import tasks

        publish_after_commit(tasks.notify_subprocessor_objection, objection.pk)
    return objection


def objection_withdraw(
    *,
    membership: Membership,
    objection: SubProcessorObjection,
    now: dt.datetime,
    request=None,
) -> SubProcessorObjection:
    """The tenant takes its objection back, before the change's date of effect."""
    _check_objector(membership)
    require_same_tenant(membership, objection)
    with transaction.atomic():
        objection = (
            SubProcessorObjection.objects.for_tenant(membership.tenant_id)
            .select_for_update()
            .select_related("change")
            .get(pk=objection.pk)
        )
        _before_effect(objection.change, now)
        if objection.withdrawn_at is not None:
            raise Conflict("This objection was already withdrawn.")
        objection.withdrawn_at = now
        objection.save(update_fields=["withdrawn_at"])
        _record_objection(actions.SUBPROCESSOR_OBJECTION_WITHDRAWN, objection, membership, request)
    return objection
