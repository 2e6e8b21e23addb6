from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit"

    # Read by tenants.checks: these tables are deliberately not TenantScopedModel.
    global_models = {
        "audit.AuditEvent": "platform events (logins, platform access) have no tenant",
        "audit.AuditSeal": "one hash chain seals every tenant's events and the platform's",
        "audit.ChainHead": "the heads of the global, platform and per-tenant chains",
        "audit.SecurityAlert": "platform-wide alerts (e.g. one IP failing across tenants)",
    }

    def ready(self) -> None:
        from audit.recorder import listen

        listen(_alert_rules)


def _alert_rules(event) -> None:
    # The rules sit above the recorder (they raise alerts, which are audited):
    # imported at the first event, so importing the recorder never loads them.
    from audit.rules import event_recorded

    event_recorded(event)
