from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "analytics.reporting"
    label = "reporting"
    verbose_name = "Reporting database"
