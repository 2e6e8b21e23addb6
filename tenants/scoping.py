"""The few helpers every app uses to keep a request inside its tenant.

``tenant_get`` looks an id up inside a tenant; ``require_same_tenant`` is the
check a service makes when it is handed several objects; ``apply_changes``
writes validated changes onto a row, touching only the fields it allows.
"""

from django.core.exceptions import ValidationError
from django.db import models

from instaply.errors import Invalid, NotFound


def tenant_get(model_or_queryset, *, tenant, id, what: str | None = None):
    """The object with this id inside ``tenant``.

    Another tenant's object, a missing one and a malformed id are the same
    404: the answer confirms nothing about other tenants.
    """
    queryset = model_or_queryset
    if isinstance(queryset, type) and issubclass(queryset, models.Model):
        queryset = queryset._default_manager.all()
    what = what or queryset.model._meta.verbose_name
    if tenant is None or id is None or isinstance(id, bool):
        raise NotFound(f"No {what} with this id.")
    try:
        return queryset.for_tenant(tenant).get(pk=id)
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(f"No {what} with this id.") from None


class TenantMismatch(NotFound):
    """Objects of two tenants handed to one service: a bug or an attack that got
    past a view. Answered as a 404, like any other object not in the tenant."""


def tenant_id_of(value):
    """The tenant id of a Tenant, of a tenant row, or the id itself."""
    if isinstance(value, models.Model):
        # A Tenant is its own tenant; anything else carries tenant_id.
        return value.pk if value._meta.label == "tenants.Tenant" else value.tenant_id
    return value


def require_same_tenant(tenant, *objects) -> None:
    """Raises TenantMismatch unless every object (None skipped) is ``tenant``'s.

    ``tenant`` may be a Tenant, its id, or any tenant row (the acting membership).
    """
    expected = tenant_id_of(tenant)
    for obj in objects:
        if obj is not None and (expected is None or tenant_id_of(obj) != expected):
            raise TenantMismatch("Not found.")


def refuse_other_fields(changes: dict, *, allowed) -> None:
    """Invalid (a 400 naming each field) when ``changes`` touch a field outside ``allowed``."""
    refused = sorted(set(changes) - set(allowed))
    if refused:
        raise Invalid(
            "These fields cannot be changed here.",
            fields={name: ["Cannot be changed here."] for name in refused},
        )


def apply_changes(obj: models.Model, changes: dict, *, allowed: set[str] | frozenset[str]):
    """Sets validated ``changes`` on ``obj`` and saves just those columns.

    A field outside ``allowed`` (``tenant_id``, ``id``...) is refused before
    anything is written. Returns the names of the fields that were saved.
    """
    refuse_other_fields(changes, allowed=allowed)
    for name, value in changes.items():
        setattr(obj, name, value)
    if changes:
        obj.save(update_fields=list(changes))
    return sorted(changes)
