from django.apps import AppConfig


class LoginDataConfig(AppConfig):
    name = "analytics.login_data"
    label = "login_data"
    verbose_name = "Login data"
