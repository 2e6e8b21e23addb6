"""The console's form of a policy version. It parses; the service decides what
is valid, and its refusals are shown beside their fields in the reader's language."""

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from privacy.policies.models import PolicyVersion
from privacy.policies.services import FIELDS, SERVICE_MESSAGE_MAX, SUMMARY_MAX, VERSION_MAX

# The service's refusals, by (field, code), as the page says them.
ERRORS = {
    ("version", "required"): _("Give the version's label."),
    ("version", "too long"): _("The label is too long."),
    ("version", "malformed"): _(
        "A version's label uses letters, digits, '.', '-' and '_' only (e.g. 2027-01)."
    ),
    ("version", "taken"): _("A version with this label exists already: choose another."),
    ("effective_at", "required"): _("Give the effective date and time."),
    ("effective_at", "in the past"): _(
        "The effective date cannot be in the past: a version never applies retroactively."
    ),
    ("effective_at", "not after the latest"): _(
        "The effective date must come after that of the latest published version."
    ),
    ("text_en", "required"): _("Give the English text."),
    ("text_fr", "required"): _("Give the French text."),
    ("text_en", "too long"): _("The text is too long."),
    ("text_fr", "too long"): _("The text is too long."),
    ("summary_en", "missing translation"): _("Give the summary in both languages, or in neither."),
    ("summary_fr", "missing translation"): _("Give the summary in both languages, or in neither."),
    ("service_message_en", "missing translation"): _(
        "Give the service message in both languages, or in neither."
    ),
    ("service_message_fr", "missing translation"): _(
        "Give the service message in both languages, or in neither."
    ),
    ("service_message_en", "too long for the channel"): _(
        "Too long for an SMS: shorten the service message."
    ),
    ("service_message_fr", "too long for the channel"): _(
        "Too long for an SMS: shorten the service message."
    ),
}
MOMENT_FORMAT = "%Y-%m-%dT%H:%M"


def _local(moment) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo(settings.PRIVACY_TIME_ZONE)).strftime(MOMENT_FORMAT)


class PolicyVersionForm(forms.Form):
    version = forms.CharField(label=pgettext_lazy("policy", "Version"), max_length=VERSION_MAX)
    # Text, not a DateTimeField: the service reads it in PRIVACY_TIME_ZONE,
    # whatever the reader's own time zone.
    effective_at = forms.CharField(
        label=pgettext_lazy("policy", "In force from"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    text_en = forms.CharField(label=_("Text in English"), widget=forms.Textarea(attrs={"rows": 12}))
    text_fr = forms.CharField(label=_("Text in French"), widget=forms.Textarea(attrs={"rows": 12}))
    summary_en = forms.CharField(
        label=_("What changes, in English (quoted to the workspaces)"),
        max_length=SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    summary_fr = forms.CharField(
        label=_("What changes, in French"),
        max_length=SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    service_message_en = forms.CharField(
        label=_("Service message to end-users, in English (an SMS: keep it short)"),
        max_length=SERVICE_MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    service_message_fr = forms.CharField(
        label=_("Service message to end-users, in French"),
        max_length=SERVICE_MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def of(cls, version: PolicyVersion) -> "PolicyVersionForm":
        initial = {field: getattr(version, field) for field in FIELDS}
        initial["effective_at"] = _local(version.effective_at)
        return cls(initial=initial)

    def show(self, error) -> None:
        """A service refusal beside the field it names, else above the form."""
        for field, code in (error.fields or {}).items():
            if field in self.fields:
                self.add_error(field, ERRORS.get((field, code), error.message))
                return
        self.add_error(None, error.message)
