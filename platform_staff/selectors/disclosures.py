"""Reads of the disclosure register: the console's view across tenants, and
the tenant's view of the entries it has been told about (and nothing else)."""

import datetime as dt
import uuid

from django.db.models import QuerySet

from instaply.errors import NotFound
from platform_staff.models import Disclosure
from tenants.models import Tenant


def disclosure_register(*, tenant: Tenant | None = None, told: bool | None = None) -> QuerySet:
    """Platform security's register: every tenant, or one; told, withheld, or both."""
    entries = (
        Disclosure.objects.dangerously_unscoped(reason="security keeps the register of all tenants")
        .select_related("tenant", "recorded_by__user")
        .order_by("-disclosed_on", "-recorded_at")
    )
    if tenant is not None:
        entries = entries.filter(tenant=tenant)
    if told is not None:
        entries = entries.filter(tenant_informed_at__isnull=not told)
    return entries


def disclosure_overdue_count(*, today: dt.date) -> int:
    """Withheld entries whose date to tell the tenant has passed."""
    return disclosure_register(told=False).filter(inform_by__lt=today).count()


def disclosure_get_for_security(*, id) -> Disclosure:
    """One entry of the register by id (the console), or NotFound."""
    try:
        pk = id if isinstance(id, uuid.UUID) else uuid.UUID(str(id))
    except (TypeError, ValueError):
        raise NotFound("No disclosure with this id.") from None
    entry = disclosure_register().filter(pk=pk).first()
    if entry is None:
        raise NotFound("No disclosure with this id.")
    return entry


def disclosures_told(*, tenant: Tenant) -> QuerySet:
    """What a tenant's owners see: only entries they have been told about.
    Withheld entries are not there at all, not even as a count."""
    return (
        Disclosure.objects.for_tenant(tenant)
        .filter(tenant_informed_at__isnull=False)
        .order_by("-disclosed_on", "-recorded_at")
    )


def tenant_by_slug_or_name(value: str) -> Tenant | None:
    """The tenant a security person typed: its slug, or its exact name if unique."""
    value = (value or "").strip()
    if not value:
        return None
    tenant = Tenant.objects.filter(slug__iexact=value).first()
    if tenant is not None:
        return tenant
    named = list(Tenant.objects.filter(name__iexact=value)[:2])
    return named[0] if len(named) == 1 else None


def tenant_choices() -> QuerySet:
    """Slugs and names for the form's suggestions (names of companies, no content)."""
    return Tenant.objects.order_by("name").values_list("slug", "name")
