from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "web"
    verbose_name = "Web pages"
    # Proxies of django-otp's tables (web.models): second factors belong to a person,
    # who may be a member of several tenants.
    global_models = {
        "web.Authenticator": "a person's authenticator app, across their tenants",
        "web.RecoveryCodes": "a person's recovery codes, across their tenants",
    }

    def ready(self) -> None:
        from web import (
            auth_audit,  # noqa: F401  (audits sign-ins, lockouts and sign-outs)
            login_security,  # noqa: F401  (remembers each account's usual addresses)
        )
