"""Privacy requests in the workspace's settings: file a data-subject request,
follow its progress and deadline, answer the platform when it waits on the
workspace, cancel it before the work starts. Owners and privacy officers only."""

import datetime as dt
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from instaply.errors import DomainError
from privacy.dsr import selectors, services
from privacy.dsr.models import DataSubjectRequest
from tenants.permissions import Capability
from web import labels
from web.tenancy import member_required

PRIVACY = Capability.PRIVACY_REQUESTS
Type = DataSubjectRequest.Type

TYPES = {
    Type.ACCESS: _lazy("Access"),
    Type.PORTABILITY: _lazy("Portability"),
    Type.RECTIFICATION: _lazy("Rectification"),
    Type.ERASURE: _lazy("Erasure"),
    Type.RESTRICTION: _lazy("Restriction of processing"),
    Type.OBJECTION: _lazy("Objection"),
    Type.RESTRICTION_WITHDRAWAL: _lazy("Withdrawal of a restriction"),
    Type.OBJECTION_WITHDRAWAL: _lazy("Withdrawal of an objection"),
}
STATES = {
    "received": _lazy("Received"),
    "in_progress": _lazy("In progress"),
    "completed": _lazy("Completed"),
    "rejected": _lazy("Rejected"),
    "cancelled": _lazy("Cancelled"),
}
EVENTS = {
    "received": _lazy("Received"),
    "paused": _lazy("Paused"),
    "resumed": _lazy("Resumed"),
    "started": _lazy("Work started"),
    "completed": _lazy("Completed"),
    "rejected": _lazy("Rejected"),
    "cancelled": _lazy("Cancelled"),
    "linked": _lazy("Duplicate linked"),
    "reminded": _lazy("Platform reminded"),
}

COUNTS = {
    "contacts": _lazy("Contacts"),
    "conversations": _lazy("Conversations"),
    "messages": _lazy("Messages"),
    "notes": _lazy("Notes"),
    "attachments": _lazy("Attachments"),
}


class FileRequestForm(forms.Form):
    request_type = forms.ChoiceField(label=_lazy("Type of request"), choices=list(TYPES.items()))
    phone = forms.CharField(label=_lazy("Phone number"), max_length=32, required=False)
    email = forms.CharField(label=_lazy("Email address"), max_length=254, required=False)
    contact_id = forms.CharField(label=_lazy("Contact id"), max_length=64, required=False)
    subject_asked_on = forms.DateField(
        label=_lazy("Date the person asked you"), widget=forms.DateInput(attrs={"type": "date"})
    )
    identity_verified = forms.BooleanField(
        label=_lazy("We verified the person's identity before forwarding this request.")
    )
    notes = forms.CharField(
        label=_lazy("Notes for the platform"),
        required=False,
        widget=forms.Textarea,
        max_length=4000,
    )
    purpose = forms.CharField(
        label=_lazy("Purpose objected to (objection only, e.g. marketing)"),
        max_length=32,
        required=False,
    )
    corrected_name = forms.CharField(label=_lazy("Corrected name"), max_length=150, required=False)
    corrected_email = forms.CharField(
        label=_lazy("Corrected email"), max_length=254, required=False
    )
    corrected_phone = forms.CharField(label=_lazy("Corrected phone"), max_length=32, required=False)
    # Sent with the form: a double submission files one request.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def corrections(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[f"corrected_{name}"]
            for name in ("name", "email", "phone")
            if data.get(f"corrected_{name}")
        }


class AnswerForm(forms.Form):
    phone = forms.CharField(label=_lazy("Phone number"), max_length=32, required=False)
    email = forms.CharField(label=_lazy("Email address"), max_length=254, required=False)
    contact_id = forms.CharField(label=_lazy("Contact id"), max_length=64, required=False)
    note = forms.CharField(
        label=_lazy("Your answer"), required=False, widget=forms.Textarea, max_length=4000
    )


def _page(request, template, context):
    return render(
        request,
        f"web/settings/{template}",
        {"section": "settings", "tab": "privacy", "types": TYPES, "states": STATES, **context},
    )


@member_required(PRIVACY)
def request_list(request):
    state = request.GET.get("state", "")
    page, next_cursor = selectors.dsr_list(
        tenant=request.tenant,
        state=state if state in STATES else "",
        cursor=request.GET.get("cursor") or None,
        limit=50,
    )
    rows = []
    for dsr in page:
        clock = selectors.dsr_clock(dsr)
        rows.append(
            {
                "dsr": dsr,
                "clock": clock,
                "left": _left(clock),
                "type_label": labels.label(TYPES, dsr.request_type),
                "state_label": labels.label(STATES, dsr.state),
            }
        )
    return _page(
        request,
        "privacy_requests.html",
        {"rows": rows, "next_cursor": next_cursor, "state": state},
    )


@member_required(PRIVACY)
def request_new(request):
    form = FileRequestForm(request.POST or None, initial={"idempotency_key": str(uuid.uuid4())})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dsr, _created = services.dsr_file(
                membership=request.membership,
                request_type=data["request_type"],
                phone=data["phone"],
                email=data["email"],
                contact_id=data["contact_id"] or None,
                subject_asked_on=data["subject_asked_on"],
                identity_verified=data["identity_verified"],
                notes=data["notes"],
                corrections=form.corrections() or None,
                purpose=data["purpose"],
                idempotency_key=data["idempotency_key"],
                request=request,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("Request filed. The platform answers within 72 working hours.")
            )
            return redirect("web:privacy-request", dsr.pk)
    return _page(request, "privacy_request_new.html", {"form": form})


def _form_error(form, error: DomainError) -> None:
    fields = error.fields or {}
    mapped = {"type": "request_type", "corrections": None, "idempotency_key": None}
    placed = False
    for name in fields:
        target = mapped.get(name, name)
        if target in form.fields:
            form.add_error(target, labels.domain_error_message(error))
            placed = True
            break
    if not placed:
        form.add_error(None, labels.domain_error_message(error))


@member_required(PRIVACY)
def request_detail(request, dsr_id):
    dsr = selectors.dsr_get(tenant=request.tenant, id=dsr_id)
    return _detail(request, dsr, AnswerForm())


def _detail(request, dsr, answer_form):
    events = selectors.dsr_events(dsr)
    clock = selectors.dsr_clock(dsr, events)
    # A linked duplicate shows the progress of the request actually worked.
    original = dsr.duplicate_of
    worked = original or dsr
    return _page(
        request,
        "privacy_request.html",
        {
            "dsr": dsr,
            "type_label": labels.label(TYPES, dsr.request_type),
            "state_label": labels.label(STATES, dsr.state),
            "original": original,
            "original_state_label": labels.label(STATES, original.state) if original else "",
            "progress": worked.progress,
            "counts": [(labels.label(COUNTS, k), v) for k, v in sorted(worked.counts.items())],
            "clock": clock,
            "left": _left(clock),
            "pause_reason": selectors.pause_reason(dsr, events),
            "history": [
                {"at": e.at, "label": labels.label(EVENTS, e.kind), "reason": e.reason}
                for e in events
            ],
            "answer_form": answer_form,
            **_outcome(dsr),
        },
    )


# What the receipt's database rows are called on the page (erasure.COUNT_NAMES).
ERASED_ROWS = {
    "contacts": _lazy("Contacts"),
    "identifiers": _lazy("Phone numbers and email addresses"),
    "conversations": _lazy("Conversations"),
    "conversation_labels": _lazy("Conversation labels"),
    "conversation_reads": _lazy("Read marks"),
    "messages": _lazy("Messages"),
    "notes": _lazy("Notes"),
    "feed_events": _lazy("Live-feed events"),
    "widget_visitors": _lazy("Website chat visitors"),
    "send_attempts": _lazy("SMS send attempts"),
    "webhook_deliveries": _lazy("Stored provider callbacks"),
    "sms_parts": _lazy("SMS parts"),
    "released_legal_holds": _lazy("Released legal holds"),
    "outbound_cancelled": _lazy("Queued replies cancelled"),
    "access_packages": _lazy("Access packages"),
}


def _outcome(dsr) -> dict:
    """The access package (link, size, expiry) or the erasure receipt, per type."""
    if dsr.state != DataSubjectRequest.State.COMPLETED:
        return {}
    if dsr.request_type in (Type.ACCESS, Type.PORTABILITY):
        package = selectors.dsr_package(dsr)
        if package is None or not package.sha256:
            return {}
        expired = package.deleted_at is not None or package.expires_at <= timezone.now()
        return {"package": package, "package_expired": expired}
    if dsr.request_type == Type.ERASURE:
        erasure = selectors.dsr_erasure(dsr)
        if erasure is None or not erasure.receipt:
            return {}
        receipt = erasure.receipt
        rows = receipt.get("database", {}).get("rows", {})
        expire_by = receipt.get("backups", {}).get("expire_by")
        keys_gone = receipt.get("backups", {}).get("no_usable_key_after")
        return {
            "receipt": {
                "erased_at": erasure.erased_at,
                "rows": [
                    (labels.label(ERASED_ROWS, name), number)
                    for name, number in sorted(rows.items())
                    if isinstance(number, int) and number
                ],
                "keys": receipt.get("keys", {}).get("data_keys_destroyed", 0),
                "files": receipt.get("encrypted_files", {}),
                # None on a receipt written before the reporting store was listed.
                "reporting_facts": receipt.get("reporting", {}).get("facts_deleted"),
                "cache_minutes": max(1, settings.ENCRYPTION_KEY_CACHE_SECONDS // 60),
                "backups_expire_by": dt.date.fromisoformat(expire_by) if expire_by else None,
                "backup_keys_gone_by": dt.date.fromisoformat(keys_gone) if keys_gone else None,
            }
        }
    return {}


def _left(clock) -> dict | None:
    if clock is None:
        return None
    minutes = max(0, int(clock.remaining.total_seconds() // 60))
    return {"hours": minutes // 60, "minutes": minutes % 60}


@require_POST
@member_required(PRIVACY)
def request_cancel(request, dsr_id):
    dsr = selectors.dsr_get(tenant=request.tenant, id=dsr_id)
    try:
        services.dsr_cancel(membership=request.membership, dsr=dsr, request=request)
    except DomainError as error:
        messages.error(request, labels.domain_error_message(error))
    else:
        messages.success(request, _("Request cancelled."))
    return redirect("web:privacy-request", dsr.pk)


@require_POST
@member_required(PRIVACY)
def request_answer(request, dsr_id):
    dsr = selectors.dsr_get(tenant=request.tenant, id=dsr_id)
    form = AnswerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.dsr_answer(
                membership=request.membership,
                dsr=dsr,
                phone=data["phone"],
                email=data["email"],
                contact_id=data["contact_id"] or None,
                note=data["note"],
                request=request,
            )
        except DomainError as error:
            form.add_error(
                None,
                _(error.message)
                if error.code.startswith("match_")
                else labels.domain_error_message(error),
            )
        else:
            messages.success(request, _("Answer sent: the clock runs again."))
            return redirect("web:privacy-request", dsr.pk)
    return _detail(request, dsr, form)
