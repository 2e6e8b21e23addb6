from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """How long each tenant keeps conversations, and the daily run that deletes
    what has outlived it (conversations, then contacts left without one, then
    the platform's own rows about people)."""

    name = "privacy.retention"
    label = "retention"
    verbose_name = "Retention"
