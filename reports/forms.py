"""The report's filters, from the query string: the page and its CSV share them."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reports.selectors import DAY, MAX_DAYS, WEEK, ReportFilters
from web import labels

DEFAULT_DAYS = 30


class ReportForm(forms.Form):
    since = forms.DateField(required=False, label=_("From"))
    until = forms.DateField(required=False, label=_("To (inclusive)"))
    by = forms.ChoiceField(
        required=False,
        label=_("By"),
        choices=[(DAY, _("Day")), (WEEK, pgettext_lazy("reports", "Week"))],
    )
    shop = forms.ChoiceField(required=False, label=_("Shop"))
    channel = forms.ChoiceField(required=False, label=_("Channel"))

    def __init__(self, data, *, shops):
        super().__init__(data)
        self.fields["shop"].choices = [("", _("All shops"))] + [(str(s.pk), s.name) for s in shops]
        self.fields["channel"].choices = [("", _("All channels"))] + list(labels.CHANNELS.items())
        today = timezone.localdate()
        self.initial_period = (today - dt.timedelta(days=DEFAULT_DAYS - 1), today)

    def clean(self):
        data = super().clean()
        since = data.get("since") or self.initial_period[0]
        until = data.get("until") or self.initial_period[1]
        if since > until:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        if (until - since).days >= MAX_DAYS:
            raise forms.ValidationError(
                _("A report covers at most %(days)d days.") % {"days": MAX_DAYS}
            )
        data["since"], data["until"] = since, until
        return data

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            since=data["since"],
            until=data["until"],
            zone=timezone.get_current_timezone(),
            by=data.get("by") or DAY,
            shop_id=data.get("shop") or None,
            channel=data.get("channel") or "",
        )

    def query(self) -> str:
        """The filters as a query string, for the CSV link: the same report."""
        data = self.cleaned_data
        shown = {
            "since": data["since"].isoformat(),
            "until": data["until"].isoformat(),
            "by": data.get("by") or DAY,
            "shop": data.get("shop") or "",
            "channel": data.get("channel") or "",
        }
        return urlencode({key: value for key, value in shown.items() if value})
