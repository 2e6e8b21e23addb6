"""A system check that every model of our apps carries the tenant.

Global tables are few and named here; anything else must inherit
TenantScopedModel, so a new table cannot forget the tenant column.
"""

from django.apps import apps
from django.core.checks import Error, register

OUR_APPS = {"tenants", "conversations", "channels_sms", "privacy", "audit", "web"}

# Tables that are deliberately not owned by one tenant, with the reason.
GLOBAL_MODELS = {
    "tenants.User": "a person may belong to several tenants",
    "tenants.Tenant": "the tenant itself",
}


@register()
def tenant_column_check(app_configs, **kwargs):
    from tenants.models.base import TenantScopedModel

    errors = []
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label not in OUR_APPS or label in GLOBAL_MODELS:
            continue
        if not issubclass(model, TenantScopedModel) and label not in _extra_global_models():
            errors.append(
                Error(
                    f"{label} does not inherit TenantScopedModel.",
                    hint="Tenant data needs the tenant column; list truly global tables "
                    "in tenants.checks.GLOBAL_MODELS with the reason.",
                    obj=model,
                    id="instaply.E001",
                )
            )
    return errors


def _extra_global_models() -> set[str]:
    # Apps may declare their own global tables next to the models that need them.
    extra = set()
    for config in apps.get_app_configs():
        extra.update(getattr(config, "global_models", {}).keys())
    return extra
