"""The words of the incident codes, in the reader's language (context "breach")."""

from django.utils.translation import pgettext_lazy

NATURES = {
    "destruction": pgettext_lazy("breach", "Destruction"),
    "loss": pgettext_lazy("breach", "Loss"),
    "alteration": pgettext_lazy("breach", "Alteration"),
    "unauthorised_disclosure": pgettext_lazy("breach", "Unauthorised disclosure"),
    "unauthorised_access": pgettext_lazy("breach", "Unauthorised access"),
}
PROPERTIES = {
    "confidentiality": pgettext_lazy("breach", "Confidentiality"),
    "integrity": pgettext_lazy("breach", "Integrity"),
    "availability": pgettext_lazy("breach", "Availability"),
}
DATA_CATEGORIES = {
    "message_content": pgettext_lazy("breach", "Message content"),
    "contact_identity": pgettext_lazy("breach", "Contact names"),
    "contact_details": pgettext_lazy("breach", "Phone numbers and email addresses"),
    "notes": pgettext_lazy("breach", "Internal notes"),
    "special_category": pgettext_lazy("breach", "Special-category data"),
    "staff_accounts": pgettext_lazy("breach", "Staff accounts (names, emails, sign-in data)"),
    "login_data": pgettext_lazy("breach", "Login data (IP addresses, browsers)"),
    "audit_records": pgettext_lazy("breach", "Audit records"),
}
SUBJECT_CATEGORIES = {
    "end_users": pgettext_lazy("breach", "End-users (the tenant's customers)"),
    "minors": pgettext_lazy("breach", "Minors among end-users"),
    "tenant_staff": pgettext_lazy("breach", "The tenant's staff"),
}
RISK_LEVELS = {
    "low": pgettext_lazy("breach", "Low"),
    "medium": pgettext_lazy("breach", "Medium"),
    "high": pgettext_lazy("breach", "High"),
}
SCOPE_KINDS = {
    "explicit": pgettext_lazy("breach", "Listed tenants"),
    "audit": pgettext_lazy("breach", "Audit events in a time window"),
    "subprocessor": pgettext_lazy("breach", "A sub-processor in a time window"),
    "key_version": pgettext_lazy("breach", "Keys at or below a version"),
}
KEY_LAYERS = {
    "master": pgettext_lazy("breach", "Master key version (wraps the tenant keys)"),
    "tenant": pgettext_lazy("breach", "Tenant key version"),
}
STATES = {
    "open": pgettext_lazy("breach", "Open"),
    "closed": pgettext_lazy("breach", "Closed"),
}


def choices(labels: dict) -> list[tuple[str, str]]:
    return list(labels.items())


def words(labels: dict, codes) -> str:
    """Codes as their words, comma-separated; an unknown code as itself."""
    return ", ".join(str(labels.get(code, code)) for code in codes or ())
