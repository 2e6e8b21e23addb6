"""The sub-processor registry in the console, for the platform's DPO.

The registry and its changes are the platform's own records; objections name
the objecting workspace and its reason (what the workspace chose to tell the
platform), never anything of its content. Every write is audited by its service.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.subprocessors import selectors
from compliance.subprocessors.errors import error_words
from compliance.subprocessors.forms import AnnounceForm
from compliance.subprocessors.services import earliest_effective_on, subprocessor_change_announce
from instaply.errors import DomainError, NotFound
from platform_staff.console import staff_required

DPO = "dpo"


@staff_required(DPO)
def registry(request):
    today = timezone.now().date()
    counts = selectors.objection_counts()
    upcoming = list(selectors.changes_upcoming(today))
    for change in upcoming:
        change.objection_count = counts.get(change.pk, 0)
    return render(
        request,
        "compliance/subprocessors/console_registry.html",
        {
            "current": list(selectors.registry_on(today)),
            "upcoming": upcoming,
            "retired": list(selectors.registry_retired(today)),
            "changes": list(selectors.changes_all()[:100]),
            "today": today,
            "section": "subprocessors",
        },
    )


@staff_required(DPO)
def announce(request):
    now = timezone.now()
    current = selectors.registry_on(now.date()).filter(retired_on__isnull=True)
    form = AnnounceForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = subprocessor_change_announce(
                staff=request.platform_staff,
                now=now,
                kind=data["kind"],
                effective_on=data["effective_on"],
                note=data["note"],
                replaces=data["replaces"],
                entry=form.entry(),
                request=request,
            )
        except DomainError as error:
            _show(form, error, earliest=earliest_effective_on(now).isoformat())
        else:
            messages.success(request, _("Change announced: every workspace is told."))
            return redirect("platform:subprocessor-change", change_id=change.pk)
    return render(
        request,
        "compliance/subprocessors/console_announce.html",
        {"form": form, "earliest": earliest_effective_on(now), "section": "subprocessors"},
        status=400 if request.method == "POST" else 200,
    )


def _show(form, error: DomainError, **context) -> None:
    """A service refusal beside the field it names, else above the form."""
    words = error_words(error, **context)
    for field in error.fields or {}:
        if field in form.fields:
            form.add_error(field, words)
            return
    form.add_error(None, words)


@staff_required(DPO)
def change_detail(request, change_id):
    try:
        change = selectors.change_get(id=change_id)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "compliance/subprocessors/console_change.html",
        {
            "change": change,
            "objections": list(selectors.objections_for_change(change)),
            "section": "subprocessors",
        },
    )
