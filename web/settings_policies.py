"""Settings → Privacy policy (owners and privacy officers): the platform's
privacy-policy versions, the one in force, whether the workspace sends its
customers the service message of a new version, and for each published
version what became of it: how many received it, how many did not and why
(counts, never who)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from privacy.minors import rules as minor_rules
from privacy.policies import selectors
from privacy.policies.announce import effective_label, has_service_message
from privacy.policies.services import policy_messages_choose
from tenants.permissions import Capability
from web.labels import DOMAIN_ERRORS, label
from web.tenancy import member_required

# Why a service message was not sent: the codes of send_refusal, and the task's own.
REASONS = {
    "opted_out": gettext_lazy("opted out of the channel (SMS STOP)"),
    "channel_refused": gettext_lazy("the channel cannot send now (number or widget switched off)"),
    "erased": pgettext_lazy("policy", "being erased"),
    "no_channel": pgettext_lazy("policy", "channel no longer available"),
    "conversation_deleted": pgettext_lazy("policy", "conversation deleted meanwhile"),
    "refused": pgettext_lazy("policy", "refused"),
}


def _minor_reasons() -> dict[str, str]:
    """The age refusals of send_refusal, worded with the threshold ages of the
    settings as they are when the page is read (MINOR_AGE_CHILD, MINOR_AGE_ADULT)."""
    ages = minor_rules.ages()
    return {
        minor_rules.UNDER_15: _("marked under %(child)s: their data is being erased") % ages,
        minor_rules.HELD: _("aged %(child)s to %(last)s, no parental authorisation recorded")
        % ages,
    }


def reason_label(code: str) -> str:
    """Our words for the code; else the inbox's for the same refusal; else a
    word, never the code itself (the row keeps it in ``data-reason``)."""
    if code in (minor_rules.UNDER_15, minor_rules.HELD):
        return _minor_reasons()[code]
    return str(REASONS.get(code) or DOMAIN_ERRORS.get(code) or REASONS["refused"])


STATES = {
    "queued": gettext_lazy("Queued"),
    "sending": gettext_lazy("Sending"),
    "done": gettext_lazy("Sent"),
}


def _outcome(version, message) -> dict:
    if message is None:
        return {"kind": "none" if has_service_message(version) else "no_message"}
    counts = message.counts or {}
    not_sent = counts.get("not_sent") or {}
    return {
        "kind": "queued",
        "state": message.state,
        "state_label": label(STATES, message.state),
        "sent": counts.get("sent", 0),
        "not_sent": sum(not_sent.values()),
        "reasons": [
            {"code": code, "label": reason_label(code), "count": n}
            for code, n in sorted(not_sent.items(), key=lambda item: (-item[1], item[0]))
        ],
        "finished_at": message.finished_at,
    }


@member_required(Capability.PRIVACY_REQUESTS)
def policies(request):
    if request.method == "POST":
        send = request.POST.get("send_policy_messages") == "on"
        policy_messages_choose(membership=request.membership, send=send, request=request)
        messages.success(
            request,
            _("Saved: your customers get the service message of the next versions.")
            if send
            else _("Saved: your customers do not get the service message of the next versions."),
        )
        return redirect("web:settings-policies")
    now = timezone.now()
    current = selectors.version_current(now)
    sent = selectors.service_messages_of(request.tenant)
    rows = [
        {
            "version": version,
            "effective": effective_label(version),
            "in_force": current is not None and version.pk == current.pk,
            "scheduled": version.effective_at > now,
            "outcome": _outcome(version, sent.get(version.pk)),
        }
        for version in selectors.published_list()
    ]
    return render(
        request,
        "web/settings/policies.html",
        {"rows": rows, "current": current, "section": "settings", "tab": "policies"},
    )
