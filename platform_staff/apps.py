from django.apps import AppConfig


class PlatformStaffConfig(AppConfig):
    """The platform's own people (support, DPO, security), the console's frame,
    tenant-approved access grants and the disclosure register.

    Not named ``platform``: that would shadow Python's standard module of the name."""

    name = "platform_staff"
    verbose_name = "Platform staff and access grants"
