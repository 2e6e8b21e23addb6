"""Forms of the disclosure register. They parse; the service decides what is
valid (dates, reasons, lengths) and its errors are shown beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from platform_staff.models import Disclosure

TOLD = (("yes", _("Yes, told now")), ("no", _("No: the law forbids telling it yet")))


# The service's refusals, by (field, code), as the page says them.
ERRORS = {
    ("disclosed_on", "in the future"): _("The date of the disclosure cannot be in the future."),
    ("authority", "required"): _("Give the authority."),
    ("legal_basis", "required"): _("Give the legal basis."),
    ("data_scope", "required"): _("Give the scope of the data disclosed."),
    ("withheld_reason", "required"): _(
        "If the workspace is not told now, give the legal reason (e.g. a gag order)."
    ),
    ("inform_by", "required"): _(
        "If the workspace is not told now, give the date by which it will be."
    ),
    ("inform_by", "in the past"): _(
        "The date by which the workspace will be told cannot be in the past."
    ),
    ("inform_by", "before the disclosure"): _(
        "The workspace cannot be told before the disclosure happened."
    ),
}


def _max(field: str) -> int:
    return Disclosure._meta.get_field(field).max_length


class DisclosureForm(forms.Form):
    tenant = forms.CharField(
        label=_("Workspace (slug or name)"),
        max_length=120,
        widget=forms.TextInput(attrs={"list": "tenant-choices", "autocomplete": "off"}),
    )
    disclosed_on = forms.DateField(
        label=_("Date of the disclosure"), widget=forms.DateInput(attrs={"type": "date"})
    )
    authority = forms.CharField(label=_("Authority"), max_length=_max("authority"))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=_max("legal_basis"))
    data_scope = forms.CharField(
        label=_("Scope of the data disclosed"),
        max_length=_max("data_scope"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    told = forms.ChoiceField(
        label=_("Is the workspace told?"), choices=TOLD, widget=forms.RadioSelect
    )
    withheld_reason = forms.CharField(
        label=_("If not: the legal reason (e.g. a gag order)"),
        max_length=_max("withheld_reason"),
        required=False,
    )
    inform_by = forms.DateField(
        label=_("If not: the date by which it will be told"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class RegisterFilterForm(forms.Form):
    tenant = forms.CharField(
        label=_("Workspace"),
        required=False,
        widget=forms.TextInput(attrs={"list": "tenant-choices", "autocomplete": "off"}),
    )
    told = forms.ChoiceField(
        label=_("Told"),
        required=False,
        choices=(("", _("All")), ("told", _("Told")), ("withheld", _("Withheld"))),
    )
