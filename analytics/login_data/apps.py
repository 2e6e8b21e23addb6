from django.apps import AppConfig


class LoginDataConfig(AppConfig):
    name = "analytics.login_data"
    label = "login_data"
    verbose_name = "Login data"

    def ready(self):
        from analytics.login_data import receivers  # noqa: F401 (connects the signals)
