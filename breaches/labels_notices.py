"""The words of an incident's codes in the reader's language, for notices and
their emails (the models' choices hold codes and English labels only)."""

from django.utils.translation import pgettext_lazy

from breaches import labels
from breaches.models import SubjectCategory

# One word per code across the console and the tenant's pages (breaches/labels.py),
# but the subjects in the workspace's own terms: the notice is read by the tenant.
NATURES = labels.NATURES
PROPERTIES = labels.PROPERTIES
DATA_CATEGORIES = labels.DATA_CATEGORIES
RISK_LEVELS = labels.RISK_LEVELS
SUBJECT_CATEGORIES = {
    SubjectCategory.END_USERS: pgettext_lazy(
        "breach notice", "End-users (the workspace's customers)"
    ),
    SubjectCategory.MINORS: pgettext_lazy("breach notice", "Minors among end-users"),
    SubjectCategory.TENANT_STAFF: pgettext_lazy("breach notice", "The workspace's staff"),
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
