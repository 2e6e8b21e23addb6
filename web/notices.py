"""In-app notices: the page, the Dismiss button, and the words for each kind.

A notice stores a kind and ids or codes; what it says is decided here, in the
reader's language, when it is shown. Each kind registers a function that words
it, so a later feature (breach notices...) adds its kind with one function.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tenants.permissions import Capability
from tenants.selectors_notices import notice_get, notice_list
from tenants.services.notices import notice_dismiss
from web.platform_access_labels import REASONS, label
from web.tenancy import member_required


@dataclass(frozen=True)
class NoticeWords:
    title: str
    text: str


_KINDS = {}


def notice_kind(kind: str):
    """Registers the function that words notices of ``kind`` (params -> NoticeWords)."""

    def register(words):
        _KINDS[kind] = words
        return words

    return register


def notice_words(notice) -> NoticeWords:
    words = _KINDS.get(notice.kind)
    if words is None:
        return NoticeWords(_("Notice"), _("There is news for this workspace."))
    return words(notice.params or {})


@notice_kind("platform_access.requested")
def _platform_access_requested(params: dict) -> NoticeWords:
    hours = params.get("hours") or 0
    return NoticeWords(
        _("Platform support asks to access this workspace"),
        ngettext(
            "Platform support asks to read this workspace's data for %(hours)s hour "
            "(reason: %(reason)s). Approve, narrow or deny it in Settings, Platform "
            "access; without an answer within 72 hours it is refused.",
            "Platform support asks to read this workspace's data for %(hours)s hours "
            "(reason: %(reason)s). Approve, narrow or deny it in Settings, Platform "
            "access; without an answer within 72 hours it is refused.",
            hours,
        )
        % {"hours": hours, "reason": label(REASONS, params.get("reason_code"))},
    )


@notice_kind("disclosure.informed")
def _disclosure_informed(params: dict) -> NoticeWords:
    return NoticeWords(
        _("A disclosure to an authority"),
        _(
            "Instaply disclosed data of this workspace to an authority on %(date)s. "
            "The entry, its legal basis and the data concerned are under Settings, "
            "Disclosures to authorities."
        )
        % {"date": params.get("disclosed_on") or "?"},
    )


@notice_kind("disclosure.corrected")
def _disclosure_corrected(params: dict) -> NoticeWords:
    return NoticeWords(
        _("A disclosure entry was corrected"),
        _(
            "Platform security corrected an entry of the register of disclosures to "
            "authorities. See Settings, Disclosures to authorities."
        ),
    )


# Data-subject requests (privacy/dsr/services.py posts privacy_request.<outcome>).
def _request_type(params: dict) -> str:
    from web.settings_privacy import TYPES

    return str(label(TYPES, params.get("type")))


@notice_kind("privacy_request.completed")
def _privacy_request_completed(params: dict) -> NoticeWords:
    return NoticeWords(
        _("A privacy request was completed"),
        _(
            "The platform completed your privacy request (%(type)s). Its outcome (the "
            "package to download, or the erasure receipt) is on the request's page."
        )
        % {"type": _request_type(params)},
    )


@notice_kind("privacy_request.rejected")
def _privacy_request_rejected(params: dict) -> NoticeWords:
    return NoticeWords(
        _("A privacy request was rejected"),
        _(
            "The platform rejected your privacy request (%(type)s). Its reason is on "
            "the request's page."
        )
        % {"type": _request_type(params)},
    )


# Privacy-policy versions (privacy/policies/announce.py posts policy_version.published).
@notice_kind("policy_version.published")
def _policy_version_published(params: dict) -> NoticeWords:
    words = {"version": params.get("version") or "?", "effective": params.get("effective") or "?"}
    if params.get("sending"):
        text = _(
            "Instaply's privacy policy changes: version %(version)s is in force from "
            "%(effective)s. As you chose, your customers receive its service message; "
            "Settings, Privacy policy shows how many received it, and why the others did not."
        )
    else:
        text = _(
            "Instaply's privacy policy changes: version %(version)s is in force from "
            "%(effective)s. Read it, and choose whether your customers get the service "
            "message of the next versions, in Settings, Privacy policy."
        )
    return NoticeWords(_("A new version of the privacy policy"), text % words)


@notice_kind("minors.child_marked")
def _minors_child_marked(params: dict) -> NoticeWords:
    from privacy.minors.rules import ages

    if params.get("source") == "widget":
        text = _(
            "A visitor of your website chat declared being under %(child)s and gave the email "
            "address of one of your contacts. Messages to that contact are blocked, and an "
            "erasure request of their data was opened: it waits for you to confirm it (answer "
            "it) or to cancel it if the declaration was not theirs."
        )
    else:
        text = _(
            "A member of your team marked a contact as under %(child)s. Messages to them are "
            "blocked, and an erasure request of their data was opened automatically; the "
            "platform carries it out within 72 working hours."
        )
    return NoticeWords(_("A contact under %(child)s") % ages(), text % ages())


# Retention (privacy/retention/services.py posts it when a member changes it).
def _closed_words(days) -> str:
    if days is None:
        return _("with the others")
    return ngettext("after %(days)s day", "after %(days)s days", days) % {"days": days}


@notice_kind("retention.changed")
def _retention_changed(params: dict) -> NoticeWords:
    return NoticeWords(
        _("The workspace's retention was changed"),
        _(
            "Conversations with no activity are now deleted after %(after)s days "
            "(before: %(before)s days); closed ones %(closed_after)s (before: "
            "%(closed_before)s). The next daily run applies it; see Settings, Retention."
        )
        % {
            "after": params.get("inactive_days_after") or "?",
            "before": params.get("inactive_days_before") or "?",
            "closed_after": _closed_words(params.get("closed_days_after")),
            "closed_before": _closed_words(params.get("closed_days_before")),
        },
    )


def _safe_link(link: str) -> str:
    # Only our own pages: a stored link is never an open redirect.
    return link if link.startswith("/") and not link.startswith("//") else ""


@member_required(Capability.SELF)
def notices(request):
    show_dismissed = request.GET.get("dismissed") == "1"
    rows = notice_list(membership=request.membership, dismissed=show_dismissed)[:100]
    return render(
        request,
        "web/notices.html",
        {
            "notices": [
                {"notice": n, "words": notice_words(n), "link": _safe_link(n.link)} for n in rows
            ],
            "show_dismissed": show_dismissed,
            "section": "notices",
        },
    )


@require_POST
@member_required(Capability.SELF)
def dismiss(request, notice_id):
    notice = notice_get(membership=request.membership, id=notice_id)
    notice_dismiss(membership=request.membership, notice=notice)
    messages.success(request, _("Notice dismissed."))
    return redirect("web:notices")


# Audit requests (compliance/audits/services.py and package.py post them to the owners).
def _audit_day(params: dict) -> str:
    import datetime as dt

    from django.utils import formats

    try:
        return formats.date_format(dt.date.fromisoformat(params.get("date") or ""), "DATE_FORMAT")
    except ValueError:
        return "?"


@notice_kind("audit_request.counter_proposed")
def _audit_request_counter_proposed(params: dict) -> NoticeWords:
    return NoticeWords(
        _("Another date proposed for your audit"),
        _(
            "Instaply proposes to hold your audit on %(date)s instead of the date you "
            "asked for. Accept it or cancel the request in Settings, Audits."
        )
        % {"date": _audit_day(params)},
    )


@notice_kind("audit_request.accepted")
def _audit_request_accepted(params: dict) -> NoticeWords:
    return NoticeWords(
        _("Your audit is agreed"),
        _(
            "The audit of Instaply is agreed for %(date)s. The evidence package is being "
            "prepared; it will be in Settings, Audits."
        )
        % {"date": _audit_day(params)},
    )


@notice_kind("audit_request.package_ready")
def _audit_request_package_ready(params: dict) -> NoticeWords:
    return NoticeWords(
        _("The evidence package of your audit is ready"),
        _(
            "The evidence package of your audit on %(date)s can be downloaded by the "
            "workspace's owners in Settings, Audits."
        )
        % {"date": _audit_day(params)},
    )


# Sub-processor changes (compliance/subprocessors/services.py posts it to every
# workspace's owners and privacy members when the platform announces one).
@notice_kind("subprocessor.change_announced")
def _subprocessor_change_announced(params: dict) -> NoticeWords:
    words = {"code": params.get("code") or "?", "day": params.get("effective_on") or "?"}
    if params.get("replaces"):
        words["old"] = params["replaces"]
        text = _(
            "From %(day)s, the sub-processor %(code)s replaces %(old)s. See its purpose, "
            "country and safeguard in Settings, Sub-processors; you may object there before "
            "that date."
        )
    else:
        text = _(
            "From %(day)s, Instaply adds the sub-processor %(code)s. See its purpose, country "
            "and safeguard in Settings, Sub-processors; you may object there before that date."
        )
    return NoticeWords(_("A new sub-processor from %(day)s") % words, text % words)


# Breach notices (breaches/services/notices.py posts them when security sends a
# notice or adds an update to an incident the workspace was told of).
@notice_kind("breach.notice_sent")
def _breach_notice_sent(params: dict) -> NoticeWords:
    return NoticeWords(
        _("A personal-data breach notice"),
        _(
            "Instaply notifies this workspace of a personal-data breach (%(reference)s). "
            "The notice holds what your own notification to your authority needs; read "
            "it under Settings, Breach notices."
        )
        % {"reference": params.get("reference") or "?"},
    )


@notice_kind("breach.notice_updated")
def _breach_notice_updated(params: dict) -> NoticeWords:
    return NoticeWords(
        _("New facts on a breach notice"),
        _("Instaply added update %(number)s to the breach notice %(reference)s.")
        % {"number": params.get("number") or "?", "reference": params.get("reference") or "?"},
    )
