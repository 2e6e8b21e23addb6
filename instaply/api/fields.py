"""Serializer fields shared by every API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from instaply.errors import NotFound
from tenants.scoping import tenant_get


class TenantPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id in a request body (shop, account, assignee, label...), resolved
    inside the caller's tenant, which the view puts in the serializer context.

    Another tenant's id and a missing one get the same 400 on the field, so the
    answer confirms nothing; the view receives the object, never a bare id.
    ``queryset`` narrows further (``Membership.objects.filter(revoked_at=None)``);
    the tenant is always applied on top.
    """

    default_error_messages = {
        "not_found": _("Nothing with this id in this workspace."),
        "incorrect_type": _("Not a valid id."),
    }

    def __init__(self, *, model=None, **kwargs):
        if model is not None:
            kwargs["queryset"] = model._default_manager.none()
            self.base = model
        else:
            self.base = kwargs["queryset"]
        # The schema shows a UUID; a malformed one is refused before any query.
        kwargs.setdefault("pk_field", serializers.UUIDField())
        super().__init__(**kwargs)

    def _tenant(self):
        tenant = self.context.get("tenant")
        if tenant is None:
            raise RuntimeError(
                f"{type(self).__name__} needs the caller's tenant in the serializer context."
            )
        return tenant

    def get_queryset(self):
        # What DRF offers as choices (the browsable API's forms): the tenant's own, or none.
        queryset = self.base
        if isinstance(queryset, type):
            queryset = queryset._default_manager.all()
        tenant = self.context.get("tenant")
        return queryset.for_tenant(tenant) if tenant is not None else queryset.none()

    def to_internal_value(self, data):
        try:
            pk = self.pk_field.to_internal_value(data)
        except serializers.ValidationError:
            self.fail("incorrect_type")
        try:
            return tenant_get(self.base, tenant=self._tenant(), id=pk)
        except NotFound:
            self.fail("not_found")

    def to_representation(self, value):
        return str(value.pk)
