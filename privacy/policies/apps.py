from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    """Privacy-policy versions: published by the platform's DPO, stamped on every
    contact and message collected while they are in force."""

    name = "privacy.policies"
    label = "policies"
    verbose_name = "Privacy-policy versions"
