"""The access-transparency page and its CSV: every platform request, decision,
end, read and refused attempt that names this workspace, from the audit log."""

import datetime as dt
import re

from django import forms
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _lazy

from audit import actions
from audit.recorder import record
from instaply import rls
from platform_staff import transparency_csv
from platform_staff.selectors import transparency
from tenants.permissions import Capability
from web import labels
from web import platform_access_labels as words
from web.tenancy import member_required

# Owners, admins and privacy officers: the people who answer for the records.
READ = Capability.AUDIT_EXPORT
# A refused attempt records the id it was given, which may be anything.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class LogFilters(forms.Form):
    grant = forms.UUIDField(required=False, label=_lazy("Grant"))
    since = forms.DateField(required=False, label=_lazy("From"))
    until = forms.DateField(required=False, label=_lazy("To (inclusive)"))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_lazy("The start date must not be after the end date."))
        return data

    def filters(self) -> transparency.TransparencyFilters:
        data = self.cleaned_data
        return transparency.TransparencyFilters(
            grant=data.get("grant"),
            since=_day_start(data.get("since")),
            until=_day_start(data["until"] + dt.timedelta(days=1)) if data.get("until") else None,
        )

    def query(self, **extra) -> str:
        kept = {k: v for k, v in self.data.items() if k in self.fields and v}
        return urlencode({**kept, **extra})


def _day_start(day):
    """Midnight of ``day`` in the reader's time zone: their dates, their days."""
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@member_required(READ)
def log(request):
    form = LogFilters(request.GET)
    rows, following = [], None
    if form.is_valid():
        rows, following = transparency.transparency_page(
            tenant=request.tenant, filters=form.filters(), cursor=request.GET.get("cursor") or None
        )
    return render(
        request,
        "web/settings/platform_access_log.html",
        {
            "form": form,
            "rows": [_shown(row) for row in rows],
            "next_query": form.query(cursor=following) if following else "",
            "csv_query": form.query() if form.is_valid() else "",
            "filtered": form.is_valid() and any(form.cleaned_data.values()),
            "section": "settings",
            "tab": "platform-access-log",
        },
        status=200 if form.is_valid() else 400,
    )


def _shown(row):
    """Labels for the page, in the reader's language."""
    row.event_label = words.label(words.EVENTS, row.action)
    row.outcome_label = words.label(words.OUTCOMES, row.outcome)
    row.denial_label = words.label(words.DENIALS, row.denial)
    row.reason_label = words.label(words.REASONS, row.reason_code)
    if row.actor_kind == "member":
        row.role_label = labels.label(labels.ROLES, row.actor_role)
    else:
        row.role_label = ", ".join(
            words.label(words.PLATFORM_ROLES, r) for r in row.actor_role.split(",") if r
        )
    if row.actor_kind == "system":
        row.actor_name = words.label(words.SYSTEM_ACTORS, row.actor_name)
    row.grant_link = f"{reverse('web:platform-access-log')}?{urlencode({'grant': row.grant})}"
    row.object_link = ""
    if row.target_kind == "conversation" and _UUID.fullmatch(row.target_id):
        row.object_link = reverse("web:conversation", args=[row.target_id])
    return row


@member_required(READ)
def log_csv(request):
    form = LogFilters(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(e for errs in form.errors.values() for e in errs))
    filters = form.filters()
    # The export is an access on record, like the audit export (the alert rule
    # on export volume watches ".exported").
    record(
        actions.PLATFORM_ACCESS_EXPORTED,
        request=request,
        target=("tenant", request.tenant.pk),
        metadata={
            "format": "csv",
            "grant": str(filters.grant) if filters.grant else None,
            "since": filters.since,
            "until": filters.until,
        },
    )
    rows = transparency.transparency_export(tenant=request.tenant, filters=filters)
    response = StreamingHttpResponse(
        rls.carry_scope(transparency_csv.csv_lines(rows)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = (
        f'attachment; filename="platform-access-{request.tenant.slug}-{stamp}.csv"'
    )
    return response
