from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from web import auth_audit  # noqa: F401  (audits sign-ins, lockouts and sign-outs)
