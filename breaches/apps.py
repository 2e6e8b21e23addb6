from django.apps import AppConfig


class BreachesConfig(AppConfig):
    """Personal-data breaches: incidents platform security declares, the notice each
    affected tenant gets within 24 hours of awareness, and the breach register."""

    name = "breaches"
    verbose_name = "Breach notification"
