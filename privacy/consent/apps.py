from django.apps import AppConfig


class ConsentConfig(AppConfig):
    """The consent ledger: what each contact agreed to, when, how, and what they
    withdrew. One place answers "what did this person agree to"."""

    name = "privacy.consent"
    label = "consent"
    verbose_name = "Consent"
