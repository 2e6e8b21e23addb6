from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """What a processor owes its controllers besides the data itself: records of
    processing, the sub-processor registry and its change notices, audit requests."""

    name = "compliance"
    verbose_name = "Processor compliance"

    def ready(self):
        # Refresh the records of processing when any of their inputs changes
        # (this also registers the records' tasks).
        from compliance.records import hooks

        hooks.connect()
