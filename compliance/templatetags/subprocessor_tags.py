"""Words of registry codes in the reader's language (the model's labels are English)."""

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from compliance.subprocessors.forms import CATEGORIES, SAFEGUARDS

register = template.Library()


@register.filter
def safeguard_label(code: str) -> str:
    return str(dict(SAFEGUARDS).get(code, code))


@register.filter
def category_labels(codes) -> str:
    labels = dict(CATEGORIES)
    words = [str(labels.get(code, code)) for code in codes or []]
    return ", ".join(words) if words else _("None: identifiers or anonymous events only")


@register.filter
def purpose(entry) -> str:
    """The entry's purpose in the reader's language."""
    return entry.purpose_fr if (get_language() or "").startswith("fr") else entry.purpose_en


@register.filter
def country_label(code: str) -> str:
    return _("European Union") if code == "EU" else code
