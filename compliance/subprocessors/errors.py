"""The services' refusals in the reader's language, by field and code."""

from django.conf import settings
from django.utils.translation import gettext as _

from instaply.errors import DomainError


def error_words(error: DomainError, **context) -> str:
    """The refusal as a page shows it; the service's English words when unmapped."""
    fields = error.fields or {}
    for field, code in fields.items():
        words = _words(field, code, context)
        if words:
            return words
    return error.message


def _words(field: str, code: str, context: dict) -> str | None:
    if (field, code) == ("effective_on", "too soon"):
        return _(
            "The date of effect must be at least %(days)s days after the announcement: "
            "%(day)s or later."
        ) % {"days": settings.SUBPROCESSOR_NOTICE_DAYS, "day": context.get("earliest", "")}
    table = {
        ("code", "taken"): _("The registry already has an entry with this code."),
        ("replaces", "required"): _("Choose the sub-processor being replaced."),
        ("replaces", "not allowed"): _("An addition replaces nothing; choose Replace."),
        ("replaces", "retired"): _("This sub-processor is already being replaced."),
        ("country", "invalid"): _("Give the country as two letters (ISO 3166-1, or EU)."),
        ("reason", "required"): _("Give the reason for the objection."),
        ("change", "in effect"): _(
            "This change has taken effect: objections are taken until the day before."
        ),
        ("change", "already objected"): _("Your workspace has already objected to this change."),
    }
    return table.get((field, code))
