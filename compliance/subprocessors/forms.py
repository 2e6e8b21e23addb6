"""Forms of the sub-processor pages: announcing a change (console), objecting (settings)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from breaches.models import DataCategory
from compliance.models import SubProcessor
from compliance.subprocessors.services import NOTE_MAX, REASON_MAX

SAFEGUARDS = [
    ("eu", _("None needed (EU/EEA)")),
    ("adequacy", _("Adequacy decision")),
    ("scc", _("Standard contractual clauses")),
    ("dpf", _("EU-US Data Privacy Framework")),
    ("scc_dpf", _("Standard contractual clauses and Data Privacy Framework")),
]
CATEGORIES = [
    ("message_content", _("Message content")),
    ("contact_identity", _("Contact names")),
    ("contact_details", _("Phone numbers and email addresses")),
    ("notes", _("Internal notes")),
    ("special_category", _("Special-category data")),
    ("staff_accounts", _("Staff accounts (names, emails, sign-in data)")),
    ("login_data", _("Login data (IP addresses, browsers)")),
    ("audit_records", _("Audit records")),
]
assert {c for c, _label in CATEGORIES} == set(DataCategory.values)  # noqa: S101
assert {c for c, _label in SAFEGUARDS} == set(SubProcessor.Safeguard.values)  # noqa: S101


class AnnounceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Change"),
        choices=[("added", _("Add a sub-processor")), ("replaced", _("Replace a sub-processor"))],
        widget=forms.RadioSelect,
        initial="added",
    )
    replaces = forms.ModelChoiceField(
        label=_("Replaces"), queryset=SubProcessor.objects.none(), required=False
    )
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    purpose_en = forms.CharField(label=_("Purpose (English)"), max_length=300)
    purpose_fr = forms.CharField(label=_("Purpose (French)"), max_length=300)
    data_categories = forms.MultipleChoiceField(
        label=_("Data categories"),
        choices=CATEGORIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    country = forms.CharField(label=_("Country (two letters)"), max_length=2, min_length=2)
    safeguard = forms.ChoiceField(label=_("Transfer safeguard"), choices=SAFEGUARDS)
    integrations = forms.CharField(
        label=_("Integrations (SDK modules and hosts, comma-separated)"), required=False
    )
    effective_on = forms.DateField(
        label=_("Date of effect"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note to the workspaces"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = current if current is not None else SubProcessor.objects

    def entry(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name": data["name"],
            "purpose_en": data["purpose_en"],
            "purpose_fr": data["purpose_fr"],
            "data_categories": list(data["data_categories"]),
            "country": data["country"],
            "safeguard": data["safeguard"],
            "integrations": [i.strip() for i in data["integrations"].split(",") if i.strip()],
        }


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why your workspace objects"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
