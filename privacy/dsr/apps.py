from django.apps import AppConfig


class DataSubjectRequestsConfig(AppConfig):
    """Data-subject requests: filed by tenants, worked by the platform's DPO
    within 72 working hours (privacy/deadlines.py), with their evidence."""

    name = "privacy.dsr"
    label = "dsr"
    verbose_name = "Data-subject requests"

    def ready(self):
        # The work tasks live in work.py, not tasks.py: register them with Celery.
        from privacy.dsr import work  # noqa: F401
