"""Reports (owners and admins): the page and its CSV, with the same filters."""

import datetime as dt

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from audit.recorder import record
from reports import charts
from reports.csv_export import csv_text
from reports.forms import ReportForm
from reports.selectors import report_build
from reports.tables import report_rows
from tenants.models import Membership, Shop
from tenants.permissions import Capability
from web.tenancy import member_required

READ = Capability.REPORTS_READ
EXPORTED = "reports.exported"


def _shops(tenant):
    return list(Shop.objects.for_tenant(tenant).order_by("name"))


def _members(tenant, ids) -> dict:
    """Names of the tenant's members in the report (staff, not customers)."""
    members = Membership.objects.for_tenant(tenant).filter(pk__in=[i for i in ids if i])
    return {m.pk: m.user.get_full_name() for m in members.select_related("user")}


def _rows(request, form):
    report = report_build(tenant=request.tenant, filters=form.filters())
    shops = {shop.pk: shop.name for shop in form.shops}
    return report, report_rows(report, shops=shops, members=_members(request.tenant, report.agents))


def _form(request):
    shops = _shops(request.tenant)
    form = ReportForm(request.GET, shops=shops)
    form.shops = shops
    return form


@member_required(READ)
def reports_page(request):
    form = _form(request)
    if not form.is_valid():
        context = {"form": form, "section": "reports"}
        return render(request, "reports/report.html", context, status=400)
    report, rows = _rows(request, form)
    period = rows["period"]
    # Under the axis, short dates ("25 Nov"); the table beside it has the full ones.
    labels = [formats.date_format(dt.date.fromisoformat(row.key), "j M") for row in period]
    minutes = 60
    volume = charts.bar_chart(
        chart_id="chart-volume",
        title=_("Conversations opened and closed"),
        labels=labels,
        series=[
            (pgettext("reports", "Opened"), "series-opened", [r.figures.opened for r in period]),
            (_("Closed"), "series-closed", [r.figures.closed for r in period]),
        ],
    )

    def in_minutes(value):
        return None if value is None else round(value / minutes, 1)

    medians = [in_minutes(row.figures.first_response_median) for row in period]
    p90s = [in_minutes(row.figures.first_response_p90) for row in period]
    response_chart = charts.bar_chart(
        chart_id="chart-first-response",
        title=_("First-response time, in minutes"),
        labels=labels,
        series=[
            (pgettext("reports", "Median"), "series-median", medians),
            (pgettext("reports", "90th percentile"), "series-p90", p90s),
        ],
    )
    context = {
        "form": form,
        "report": report,
        "rows": rows,
        "charts": {"volume": volume, "first_response": response_chart},
        "zone": timezone.get_current_timezone_name(),
        "csv_query": form.query(),
        "section": "reports",
    }
    return render(request, "reports/report.html", context)


@member_required(READ)
def reports_csv(request):
    form = _form(request)
    if not form.is_valid():
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        message = " ".join(e for errors in fields.values() for e in errors)
        return JsonResponse(
            {"error": {"code": "invalid", "message": message, "fields": fields}}, status=400
        )
    filters = form.filters()
    _, rows = _rows(request, form)
    record(
        EXPORTED,
        request=request,
        target=("tenant", request.tenant.pk),
        metadata={
            "format": "csv",
            "since": filters.since.isoformat(),
            "until": filters.until.isoformat(),
            "by": filters.by,
        },
    )
    response = HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
    name = f"reports-{request.tenant.slug}-{filters.since:%Y%m%d}-{filters.until:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
