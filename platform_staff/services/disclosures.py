"""The disclosure register: platform security records what was handed to an
authority, and tells the tenant's owners at once or when the gag ends.

Each write is one transaction with its audit event. The events carry ids,
dates, the told flag and the security person's role and country, never the
authority, legal basis or scope (free text). An event reaches the tenant's own
audit log (and so its audit export) only once the tenant may know the entry:
while an entry is withheld its events are platform-level, naming the tenant
by id in the metadata, so an export cannot break a gag order.
"""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.recorder import Actor, record
from instaply.errors import Conflict, Forbidden, Invalid
from instaply.publish import publish_after_commit
from platform_staff.models import Disclosure, PlatformRole, PlatformStaff
from tenants.models import Tenant
from tenants.permissions import Capability
from tenants.services.notices import notice_post

AUTHORITY_MAX = Disclosure._meta.get_field("authority").max_length
LEGAL_BASIS_MAX = Disclosure._meta.get_field("legal_basis").max_length
DATA_SCOPE_MAX = Disclosure._meta.get_field("data_scope").max_length
WITHHELD_REASON_MAX = Disclosure._meta.get_field("withheld_reason").max_length

# What disclosure_correct may change; the told state changes only through
# disclosure_mark_informed, and who recorded it never changes.
CORRECTABLE = (
    "disclosed_on",
    "authority",
    "legal_basis",
    "data_scope",
    "withheld_reason",
    "inform_by",
)


def _check_security(staff: PlatformStaff) -> None:
    if staff is None or not staff.has_role(PlatformRole.SECURITY):
        raise Forbidden("Only platform security keeps the disclosure register.")


def _text(value, *, field: str, most: int, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(f"Give the {what}.", fields={field: "required"})
    if len(value) > most:
        raise Invalid(f"Keep the {what} under {most} characters.", fields={field: "too long"})
    return value


def _date(value, *, field: str, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise Invalid(f"Give the {what} as a date.", fields={field: "not a date"})
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise Invalid(
            f"Give the {what} as a date (YYYY-MM-DD).", fields={field: "not a date"}
        ) from None


def _disclosed_on(value, today: dt.date) -> dt.date:
    day = _date(value, field="disclosed_on", what="date of the disclosure")
    if day > today:
        raise Invalid(
            "The date of the disclosure cannot be in the future.",
            fields={"disclosed_on": "in the future"},
        )
    return day


def _withheld(withheld_reason, inform_by, *, today: dt.date, disclosed_on: dt.date):
    reason = (withheld_reason or "").strip()
    if not reason:
        raise Invalid(
            "If the workspace is not told now, give the legal reason (e.g. a gag order).",
            fields={"withheld_reason": "required"},
        )
    if len(reason) > WITHHELD_REASON_MAX:
        raise Invalid(
            f"Keep the legal reason under {WITHHELD_REASON_MAX} characters.",
            fields={"withheld_reason": "too long"},
        )
    if inform_by in (None, ""):
        raise Invalid(
            "If the workspace is not told now, give the date by which it will be.",
            fields={"inform_by": "required"},
        )
    day = _date(inform_by, field="inform_by", what="date by which the workspace will be told")
    if day < today:
        raise Invalid(
            "The date by which the workspace will be told cannot be in the past.",
            fields={"inform_by": "in the past"},
        )
    if day < disclosed_on:
        raise Invalid(
            "The workspace cannot be told before the disclosure happened.",
            fields={"inform_by": "before the disclosure"},
        )
    return reason, day


def _day(value: dt.date | None) -> dt.datetime | None:
    """A date as the start of its day in UTC: the recorder redacts a bare
    ISO date ("2026-03-08" has the shape of a phone number once its dashes go)."""
    return None if value is None else dt.datetime.combine(value, dt.time.min, tzinfo=dt.UTC)


def _metadata(disclosure: Disclosure, staff: PlatformStaff, **extra) -> dict:
    return {
        "disclosure": str(disclosure.pk),
        "tenant_id": str(disclosure.tenant_id),
        "staff": str(staff.pk),
        "role": PlatformRole.SECURITY.value,
        "country": staff.country,
        "transfer": staff.transfer,
        "disclosed_on": _day(disclosure.disclosed_on),
        "informed": disclosure.tenant_informed,
        "inform_by": _day(disclosure.inform_by),
        **extra,
    }


def _record(action: str, disclosure: Disclosure, staff: PlatformStaff, request, **extra) -> None:
    record(
        action,
        request=request,
        # Withheld: not in the tenant's audit log (see the module's docstring).
        tenant=disclosure.tenant_id if disclosure.tenant_informed else None,
        actor=Actor.platform_staff(staff.user),
        target=("disclosure", disclosure.pk),
        metadata=_metadata(disclosure, staff, **extra),
    )


def _tell_owners(disclosure: Disclosure) -> None:
    """The in-app notice now, the owners' email after commit."""
    notice_post(
        tenant=disclosure.tenant,
        capability=Capability.DISCLOSURES_READ,
        kind="disclosure.informed",
        link=reverse("web:disclosures"),
        params={"disclosure": str(disclosure.pk), "disclosed_on": str(disclosure.disclosed_on)},
    )
    from platform_staff import tasks

    # A lost publish leaves the disclosure unemailed, for the sweeper (it sends once).
    publish_after_commit(tasks.notify_disclosure, disclosure.pk)


def disclosure_record(
    *,
    staff: PlatformStaff,
    tenant: Tenant,
    disclosed_on,
    authority: str,
    legal_basis: str,
    data_scope: str,
    tenant_informed: bool,
    withheld_reason: str = "",
    inform_by=None,
    request=None,
    now: dt.datetime | None = None,
) -> Disclosure:
    """Adds an entry to a tenant's register; told now, or withheld with a legal
    reason and a date by which the tenant will be told."""
    _check_security(staff)
    now = now or timezone.now()
    today = now.date()
    disclosed_on = _disclosed_on(disclosed_on, today)
    authority = _text(authority, field="authority", most=AUTHORITY_MAX, what="authority")
    legal_basis = _text(legal_basis, field="legal_basis", most=LEGAL_BASIS_MAX, what="legal basis")
    data_scope = _text(
        data_scope, field="data_scope", most=DATA_SCOPE_MAX, what="scope of the data disclosed"
    )
    if tenant_informed:
        withheld_reason, inform_by = "", None
    else:
        withheld_reason, inform_by = _withheld(
            withheld_reason, inform_by, today=today, disclosed_on=disclosed_on
        )
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            tenant=tenant,
            disclosed_on=disclosed_on,
            authority=authority,
            legal_basis=legal_basis,
            data_scope=data_scope,
            recorded_by=staff,
            recorded_at=now,
            tenant_informed_at=now if tenant_informed else None,
            withheld_reason=withheld_reason,
            inform_by=inform_by,
        )
        _record("platform.disclosure_recorded", disclosure, staff, request)
        if tenant_informed:
            _tell_owners(disclosure)
    return disclosure


def _locked(disclosure: Disclosure) -> Disclosure:
    return (
        Disclosure.objects.for_tenant(disclosure.tenant_id)
        .select_for_update()
        .select_related("tenant")
        .get(pk=disclosure.pk)
    )


def disclosure_mark_informed(
    *, staff: PlatformStaff, disclosure: Disclosure, request=None, now: dt.datetime | None = None
) -> Disclosure:
    """The gag ended: the tenant's owners see the entry from now on and are told."""
    _check_security(staff)
    now = now or timezone.now()
    with transaction.atomic():
        disclosure = _locked(disclosure)
        if disclosure.tenant_informed:
            raise Conflict("The workspace was already told of this disclosure.")
        overdue = disclosure.inform_by is not None and disclosure.inform_by < now.date()
        disclosure.tenant_informed_at = now
        disclosure.save(update_fields=["tenant_informed_at"])
        _record("platform.disclosure_informed", disclosure, staff, request, overdue=overdue)
        _tell_owners(disclosure)
    return disclosure


def disclosure_correct(
    *,
    staff: PlatformStaff,
    disclosure: Disclosure,
    request=None,
    now: dt.datetime | None = None,
    **changes,
) -> Disclosure:
    """Corrects an entry (a typo, a gag order extended). The audit event names
    the fields that changed, never their old or new words; owners already told
    get a notice that the entry changed."""
    _check_security(staff)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise Invalid(
            "These fields cannot be corrected: " + ", ".join(sorted(unknown)),
            fields=dict.fromkeys(sorted(unknown), "not correctable"),
        )
    now = now or timezone.now()
    today = now.date()
    with transaction.atomic():
        disclosure = _locked(disclosure)
        wanted = {field: getattr(disclosure, field) for field in CORRECTABLE}
        wanted.update(changes)
        if "disclosed_on" in changes:
            wanted["disclosed_on"] = _disclosed_on(changes["disclosed_on"], today)
        wanted["authority"] = _text(
            wanted["authority"], field="authority", most=AUTHORITY_MAX, what="authority"
        )
        wanted["legal_basis"] = _text(
            wanted["legal_basis"], field="legal_basis", most=LEGAL_BASIS_MAX, what="legal basis"
        )
        wanted["data_scope"] = _text(
            wanted["data_scope"],
            field="data_scope",
            most=DATA_SCOPE_MAX,
            what="scope of the data disclosed",
        )
        if disclosure.tenant_informed:
            if {"withheld_reason", "inform_by"} & {
                f for f in changes if changes[f] != getattr(disclosure, f)
            }:
                raise Conflict(
                    "The workspace was already told: there is no reason or date to withhold."
                )
        elif {"withheld_reason", "inform_by", "disclosed_on"} & set(changes):
            wanted["withheld_reason"], wanted["inform_by"] = _withheld(
                wanted["withheld_reason"],
                wanted["inform_by"],
                today=today,
                disclosed_on=wanted["disclosed_on"],
            )
        changed = [f for f in CORRECTABLE if wanted[f] != getattr(disclosure, f)]
        if not changed:
            return disclosure
        for field in changed:
            setattr(disclosure, field, wanted[field])
        disclosure.save(update_fields=changed)
        _record("platform.disclosure_corrected", disclosure, staff, request, fields=changed)
        if disclosure.tenant_informed:
            notice_post(
                tenant=disclosure.tenant,
                capability=Capability.DISCLOSURES_READ,
                kind="disclosure.corrected",
                link=reverse("web:disclosures"),
                params={"disclosure": str(disclosure.pk)},
            )
    return disclosure
