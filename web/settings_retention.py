"""Settings → Retention: how long the workspace keeps conversations, what the next
run would delete, and what the last one did.

Shortening retention deletes at the next daily run what the old values kept, so
a shorter choice is not saved at once: the page first shows what the next run
would delete under the new values, and saves only when the member confirms.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from instaply.errors import DomainError
from privacy.retention import services
from privacy.retention.run import retention_last_run
from privacy.retention.selectors import retention_policy_for
from tenants.permissions import Capability
from web import labels
from web.tenancy import member_required

# What each count of a run is, in the reader's words (privacy/retention/run.py's kinds).
KINDS = {
    "conversations": _lazy("Conversations"),
    "messages": _lazy("Messages"),
    "contacts": _lazy("Contacts left with no conversation (their key is destroyed)"),
    "webhook_deliveries": _lazy("Processed SMS webhook records"),
    "concatenated_parts": _lazy("Parts of long SMS never completed"),
    "send_attempts": _lazy("Delivery attempts of sent messages"),
    "visitor_sessions": _lazy("Chat widget visitor sessions"),
    "held": _lazy("Conversations kept because of a legal hold (not deleted)"),
}


def kind_rows(counts: dict | None) -> list[tuple[str, str, int]]:
    """(code, label, count) in the page's order; kinds the page does not know last."""
    counts = counts or {}
    known = [(code, str(label), int(counts.get(code) or 0)) for code, label in KINDS.items()]
    other = [(code, code, int(n or 0)) for code, n in counts.items() if code not in KINDS]
    return known + other


def platform_rows() -> list[tuple[str, int]]:
    """The platform's own rows about people, kept for fixed periods (settings)."""
    return [
        (_("Processed SMS webhook records"), settings.RETENTION_WEBHOOK_DAYS),
        (_("Parts of long SMS never completed"), settings.RETENTION_CONCAT_PARTS_DAYS),
        (_("Delivery attempts of sent messages"), settings.RETENTION_SEND_ATTEMPT_DAYS),
        (_("Chat widget visitor sessions"), settings.RETENTION_VISITOR_SESSION_DAYS),
        (_("Audit events"), settings.AUDIT_RETENTION_DAYS),
        (_("Sign-in sessions of your staff (login data)"), settings.LOGIN_DATA_RETENTION_DAYS),
    ]


class RetentionForm(forms.Form):
    """The two values, checked against the platform's bounds in the reader's words
    (the service checks them again for every caller)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        low, high = services.retention_bounds()
        errors = {
            "min_value": _("Between %(low)s and %(high)s days.") % {"low": low, "high": high},
            "max_value": _("Between %(low)s and %(high)s days.") % {"low": low, "high": high},
            "invalid": _("A whole number of days."),
            "required": _("Give a number of days."),
        }
        self.fields["inactive_days"] = forms.IntegerField(
            min_value=low, max_value=high, error_messages=errors
        )
        self.fields["closed_days"] = forms.IntegerField(
            min_value=low, max_value=high, required=False, error_messages=errors
        )

    def clean(self):
        data = super().clean()
        inactive, closed = data.get("inactive_days"), data.get("closed_days")
        if inactive is not None and closed is not None and closed > inactive:
            self.add_error(
                "closed_days",
                _("At most the days of the other conversations (%(days)s).") % {"days": inactive},
            )
        return data


def _last_run(tenant) -> dict | None:
    run = retention_last_run(tenant)
    if not run.get("at"):
        return None
    try:
        at = dt.datetime.fromisoformat(run["at"])
    except (TypeError, ValueError):
        at = None
    return {"at": at, "kinds": kind_rows(run.get("counts"))}


def _page(request, *, policy, form, proposed=None, status=200):
    low, high = services.retention_bounds()
    context = {
        "policy": policy,
        "saved": not policy._state.adding,
        "default_days": settings.RETENTION_INACTIVE_DAYS_DEFAULT,
        "low": low,
        "high": high,
        "form": form,
        "preview": kind_rows(services.retention_preview_for(tenant=request.tenant)),
        "proposed": proposed,
        "last_run": _last_run(request.tenant),
        "platform_rows": platform_rows(),
        "section": "settings",
        "tab": "retention",
    }
    return render(request, "web/settings/retention.html", context, status=status)


@member_required(Capability.RETENTION_MANAGE)
def retention(request):
    policy = retention_policy_for(request.tenant)
    if request.method != "POST":
        initial = {"inactive_days": policy.inactive_days, "closed_days": policy.closed_days}
        return _page(request, policy=policy, form=RetentionForm(initial=initial))
    form = RetentionForm(request.POST)
    if not form.is_valid():
        return _page(request, policy=policy, form=form, status=400)
    inactive, closed = form.cleaned_data["inactive_days"], form.cleaned_data["closed_days"]
    shorter = services.is_shorter(policy, inactive, closed)
    if shorter and request.POST.get("confirm") != "1":
        # Destructive at the next run: show what it would delete, ask again.
        counts = services.retention_preview_for(
            tenant=request.tenant, inactive_days=inactive, closed_days=closed
        )
        proposed = {
            "inactive_days": inactive,
            "closed_days": closed,
            "kinds": kind_rows(counts),
            "conversations": int(counts.get("conversations") or 0),
        }
        return _page(request, policy=policy, form=form, proposed=proposed)
    try:
        services.retention_policy_set(
            membership=request.membership,
            inactive_days=inactive,
            closed_days=closed,
            request=request,
        )
    except DomainError as refused:
        form.add_error(None, labels.domain_error_message(refused))
        return _page(request, policy=policy, form=form, status=400)
    messages.success(request, _("Retention saved. The next daily run applies it."))
    return redirect("web:retention")
