"""Forms of the incident pages. They parse what security typed; the services
decide what is valid (codes, times, the scope) and their refusals are shown
beside the field they name.

Times are typed in the person's time zone (the request's active one, see
web.preferences) and reach the services as aware datetimes, stored in UTC.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from breaches import labels
from breaches.models import Incident
from tenants.models import Tenant


def _datetime(label, *, required=True):
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _checkboxes(label, options):
    return forms.MultipleChoiceField(
        label=label, choices=labels.choices(options), widget=forms.CheckboxSelectMultiple
    )


def _default_dpo_contact() -> str:
    return f"{settings.PROCESSOR_DPO_NAME} <{settings.PROCESSOR_DPO_EMAIL}>"


class IncidentForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=Incident._meta.get_field("title").max_length
    )
    aware_at = _datetime(_("Time of awareness"))
    natures = _checkboxes(_("Nature of the breach"), labels.NATURES)
    properties = _checkboxes(_("Security properties affected"), labels.PROPERTIES)
    data_categories = _checkboxes(_("Categories of data"), labels.DATA_CATEGORIES)
    subject_categories = _checkboxes(_("Categories of data subjects"), labels.SUBJECT_CATEGORIES)
    description = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    likely_consequences = forms.CharField(
        label=_("Likely consequences"), widget=forms.Textarea(attrs={"rows": 3})
    )
    measures = forms.CharField(
        label=_("Measures taken or proposed"), widget=forms.Textarea(attrs={"rows": 3})
    )
    dpo_contact = forms.CharField(
        label=_("The DPO's contact"),
        max_length=Incident._meta.get_field("dpo_contact").max_length,
        initial=_default_dpo_contact,
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=labels.choices(labels.RISK_LEVELS), widget=forms.RadioSelect
    )
    scope_kind = forms.ChoiceField(
        label=_("How the affected tenants are found"),
        choices=labels.choices(labels.SCOPE_KINDS),
        widget=forms.RadioSelect,
    )
    tenants = forms.CharField(
        label=_("Tenants (slugs, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    window_start = _datetime(_("Window start"), required=False)
    window_end = _datetime(_("Window end"), required=False)
    actions = forms.CharField(
        label=_("Audit actions (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    actors = forms.CharField(
        label=_("Actors: user, token or membership ids (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    subprocessor = forms.ChoiceField(label=_("Sub-processor"), required=False)
    key_layer = forms.ChoiceField(
        label=_("Key"), required=False, choices=labels.choices(labels.KEY_LAYERS)
    )
    key_version = forms.IntegerField(label=_("At or below version"), required=False, min_value=1)

    # The fields of each scope kind, for the page and for the service's errors.
    SCOPE_FIELDS = {
        "explicit": ("tenants", "window_start", "window_end"),
        "audit": ("window_start", "window_end", "actions", "actors"),
        "subprocessor": ("subprocessor", "window_start", "window_end"),
        "key_version": ("key_layer", "key_version", "window_start", "window_end"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from compliance.models import SubProcessor

        self.fields["subprocessor"].choices = [("", "—")] + [
            (entry.code, entry.name) for entry in SubProcessor.objects.order_by("name")
        ]

    def clean_tenants(self):
        slugs = sorted({slug.strip() for slug in self.cleaned_data["tenants"].split() if slug})
        found = dict(Tenant.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise forms.ValidationError(
                _("No tenant has this slug: %(slugs)s"), params={"slugs": ", ".join(unknown)[:200]}
            )
        return [str(found[slug]) for slug in slugs]

    def scope(self) -> dict:
        """The scope as the services take it, from the cleaned fields of its kind."""
        data = self.cleaned_data
        kind = data["scope_kind"]
        scope = {"kind": kind}
        if data.get("window_start") or data.get("window_end"):
            scope["start"] = data.get("window_start")
            scope["end"] = data.get("window_end")
        if kind == "explicit":
            scope["tenants"] = data.get("tenants") or []
        elif kind == "audit":
            scope["actions"] = (data.get("actions") or "").split()
            scope["actors"] = (data.get("actors") or "").split()
        elif kind == "subprocessor":
            scope["code"] = data.get("subprocessor") or ""
        else:
            scope["layer"] = data.get("key_layer") or "master"
            scope["version"] = data.get("key_version")
        return scope

    def facts(self) -> dict:
        data = self.cleaned_data
        names = (
            "title", "aware_at", "natures", "properties", "data_categories",
            "subject_categories", "description", "likely_consequences", "measures",
            "dpo_contact", "risk_level",
        )  # fmt: skip
        return {name: data[name] for name in names}


# A service refusal's field, as named on the form.
SCOPE_ERROR_FIELDS = {
    "kind": "scope_kind",
    "tenants": "tenants",
    "start": "window_start",
    "end": "window_end",
    "actions": "actions",
    "actors": "actions",
    "code": "subprocessor",
    "layer": "key_layer",
    "version": "key_version",
    "scope": "scope_kind",
}


class CloseForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution: what was done in the end"), widget=forms.Textarea(attrs={"rows": 3})
    )
