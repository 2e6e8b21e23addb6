from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants and staff"

    def ready(self) -> None:
        from tenants import checks  # noqa: F401  (registers the scoping system check)
        from tenants.api import schema  # noqa: F401  (registers the bearer scheme)
