"""The words of an incident's codes in the reader's language, for notices and
their emails (the models' choices hold codes and English labels only)."""

from django.utils.translation import pgettext_lazy

from breaches.models import DataCategory, Nature, Property, RiskLevel, SubjectCategory

# Context "breach notice": these short words may mean other things elsewhere.
C = "breach notice"

NATURES = {
    Nature.DESTRUCTION: pgettext_lazy(C, "Destruction"),
    Nature.LOSS: pgettext_lazy(C, "Loss"),
    Nature.ALTERATION: pgettext_lazy(C, "Alteration"),
    Nature.UNAUTHORISED_DISCLOSURE: pgettext_lazy(C, "Unauthorised disclosure"),
    Nature.UNAUTHORISED_ACCESS: pgettext_lazy(C, "Unauthorised access"),
}
PROPERTIES = {
    Property.CONFIDENTIALITY: pgettext_lazy(C, "Confidentiality"),
    Property.INTEGRITY: pgettext_lazy(C, "Integrity"),
    Property.AVAILABILITY: pgettext_lazy(C, "Availability"),
}
DATA_CATEGORIES = {
    DataCategory.MESSAGE_CONTENT: pgettext_lazy(C, "Message content"),
    DataCategory.CONTACT_IDENTITY: pgettext_lazy(C, "Contact names"),
    DataCategory.CONTACT_DETAILS: pgettext_lazy(C, "Phone numbers and email addresses"),
    DataCategory.NOTES: pgettext_lazy(C, "Internal notes"),
    DataCategory.SPECIAL_CATEGORY: pgettext_lazy(C, "Special-category data"),
    DataCategory.STAFF_ACCOUNTS: pgettext_lazy(C, "Staff accounts (names, emails, sign-in data)"),
    DataCategory.LOGIN_DATA: pgettext_lazy(C, "Login data (IP addresses, browsers)"),
    DataCategory.AUDIT_RECORDS: pgettext_lazy(C, "Audit records"),
}
SUBJECT_CATEGORIES = {
    SubjectCategory.END_USERS: pgettext_lazy(C, "End-users (the workspace's customers)"),
    SubjectCategory.MINORS: pgettext_lazy(C, "Minors among end-users"),
    SubjectCategory.TENANT_STAFF: pgettext_lazy(C, "The workspace's staff"),
}
RISK_LEVELS = {
    RiskLevel.LOW: pgettext_lazy(C, "Low"),
    RiskLevel.MEDIUM: pgettext_lazy(C, "Medium"),
    RiskLevel.HIGH: pgettext_lazy(C, "High"),
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
