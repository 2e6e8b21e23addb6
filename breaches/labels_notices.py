"""The words of an incident's codes in the reader's language, for notices and
their emails (the models' choices hold codes and English labels only)."""

from django.utils.translation import pgettext_lazy

from breaches.models import DataCategory, Nature, Property, RiskLevel, SubjectCategory

# Context "breach notice" (a literal, for makemessages): these short words may
# mean other things elsewhere.

NATURES = {
    Nature.DESTRUCTION: pgettext_lazy("breach notice", "Destruction"),
    Nature.LOSS: pgettext_lazy("breach notice", "Loss"),
    Nature.ALTERATION: pgettext_lazy("breach notice", "Alteration"),
    Nature.UNAUTHORISED_DISCLOSURE: pgettext_lazy("breach notice", "Unauthorised disclosure"),
    Nature.UNAUTHORISED_ACCESS: pgettext_lazy("breach notice", "Unauthorised access"),
}
PROPERTIES = {
    Property.CONFIDENTIALITY: pgettext_lazy("breach notice", "Confidentiality"),
    Property.INTEGRITY: pgettext_lazy("breach notice", "Integrity"),
    Property.AVAILABILITY: pgettext_lazy("breach notice", "Availability"),
}
DATA_CATEGORIES = {
    DataCategory.MESSAGE_CONTENT: pgettext_lazy("breach notice", "Message content"),
    DataCategory.CONTACT_IDENTITY: pgettext_lazy("breach notice", "Contact names"),
    DataCategory.CONTACT_DETAILS: pgettext_lazy(
        "breach notice", "Phone numbers and email addresses"
    ),
    DataCategory.NOTES: pgettext_lazy("breach notice", "Internal notes"),
    DataCategory.SPECIAL_CATEGORY: pgettext_lazy("breach notice", "Special-category data"),
    DataCategory.STAFF_ACCOUNTS: pgettext_lazy(
        "breach notice", "Staff accounts (names, emails, sign-in data)"
    ),
    DataCategory.LOGIN_DATA: pgettext_lazy("breach notice", "Login data (IP addresses, browsers)"),
    DataCategory.AUDIT_RECORDS: pgettext_lazy("breach notice", "Audit records"),
}
SUBJECT_CATEGORIES = {
    SubjectCategory.END_USERS: pgettext_lazy(
        "breach notice", "End-users (the workspace's customers)"
    ),
    SubjectCategory.MINORS: pgettext_lazy("breach notice", "Minors among end-users"),
    SubjectCategory.TENANT_STAFF: pgettext_lazy("breach notice", "The workspace's staff"),
}
RISK_LEVELS = {
    RiskLevel.LOW: pgettext_lazy("breach notice", "Low"),
    RiskLevel.MEDIUM: pgettext_lazy("breach notice", "Medium"),
    RiskLevel.HIGH: pgettext_lazy("breach notice", "High"),
}


def words(table: dict, codes) -> list[str]:
    """Each code's words (lazy: translated where they are shown); a code this
    table does not know is shown as it is."""
    return [table.get(code, code) for code in codes or []]


def facts(incident) -> dict:
    """The incident's coded facts in words, for a page or an email."""
    return {
        "natures": words(NATURES, incident.natures),
        "properties": words(PROPERTIES, incident.properties),
        "data_categories": words(DATA_CATEGORIES, incident.data_categories),
        "subject_categories": words(SUBJECT_CATEGORIES, incident.subject_categories),
        "risk_level": RISK_LEVELS.get(incident.risk_level, incident.risk_level),
    }
