from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """What a processor owes its controllers besides the data itself: records of
    processing, the sub-processor registry and its change notices, audit requests."""

    name = "compliance"
    verbose_name = "Processor compliance"
