"""Platform access in the workspace's settings: requests from platform support
and the owners' and admins' decisions on them (approve as asked or narrower,
deny, revoke). The services audit every decision; this module parses the form,
calls them, and shows their refusals on the page."""

import re
import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from instaply.errors import Conflict, DomainError, Invalid
from platform_staff.models import AccessGrant
from platform_staff.selectors.grant_board import grant_board
from platform_staff.selectors.grants import grant_conversation_ids, grant_get
from platform_staff.services import grants as grant_services
from tenants.permissions import Capability
from web import platform_access_labels as words
from web.tenancy import member_required

DECIDE = Capability.MAINTENANCE_GRANT
Scope = AccessGrant.Scope
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


@member_required(DECIDE)
def requests(request):
    return _page(request)


def _page(request, *, failed=None, status: int = 200):
    """The page; ``failed`` is (grant id, error text, the form as posted) after a refusal."""
    board = grant_board(tenant=request.tenant)
    for grant in board.pending + board.live + board.past:
        _describe(grant)
        if failed and grant.pk == failed[0]:
            grant.error, grant.posted = failed[1], failed[2]
        ticked = set(grant.posted.getlist("conversations")) if grant.posted else None
        for row in grant.requested_conversations:
            row.ticked = ticked is None or str(row.conversation_id) in ticked
    # A refusal about a grant that has no form on the page any more (answered,
    # ended) is shown at the top.
    shown = {g.pk for g in board.pending + board.live}
    return render(
        request,
        "web/settings/platform_access.html",
        {
            "board": board,
            "failure": failed[1] if failed and failed[0] not in shown else "",
            "section": "settings",
            "tab": "platform-access",
        },
        status=status,
    )


def _describe(grant) -> None:
    """Labels in the reader's language, and what the approve form starts from."""
    grant.reason_label = words.label(words.REASONS, grant.reason_code)
    grant.state_label = words.label(words.STATES, grant.current_state)
    grant.scope_label = words.label(words.SCOPES, grant.scope)
    grant.approved_scope_label = words.label(words.SCOPES, grant.approved_scope)
    grant.role_label = words.label(words.PLATFORM_ROLES, "support")
    grant.requested_conversations = [r for r in grant.conversation_rows if r.requested]
    grant.approved_conversations = [r for r in grant.conversation_rows if r.approved]
    grant.error, grant.posted = "", None


def _act(request, grant_id, act, done: str):
    grant = grant_get(tenant=request.tenant, id=grant_id)
    try:
        act(grant)
    except (Invalid, Conflict) as error:
        status = 409 if isinstance(error, Conflict) else 400
        failed = (grant.pk, error_text(error, grant), request.POST)
        return _page(request, failed=failed, status=status)
    messages.success(request, done)
    return redirect("web:platform-access")


@require_POST
@member_required(DECIDE)
def approve(request, grant_id):
    def act(grant):
        grant_services.access_approve(
            membership=request.membership,
            grant=grant,
            hours=request.POST.get("hours", "").strip() or None,
            conversation_ids=_chosen_conversations(grant, request.POST),
            note=request.POST.get("note", ""),
            request=request,
        )

    return _act(request, grant_id, act, _("Access approved. You can revoke it at any time."))


@require_POST
@member_required(DECIDE)
def deny(request, grant_id):
    def act(grant):
        grant_services.access_deny(
            membership=request.membership,
            grant=grant,
            note=request.POST.get("note", ""),
            request=request,
        )

    return _act(request, grant_id, act, _("Request denied. Platform support sees nothing."))


@require_POST
@member_required(DECIDE)
def revoke(request, grant_id):
    def act(grant):
        grant_services.access_revoke(membership=request.membership, grant=grant, request=request)

    return _act(request, grant_id, act, _("Access revoked. It stopped at once."))


def _chosen_conversations(grant, post):
    """None to approve the scope as asked, else the conversations to keep."""
    if grant.scope == Scope.CONVERSATIONS:
        asked = {str(pk) for pk in grant_conversation_ids(grant=grant)}
        ticked = post.getlist("conversations")
        return None if set(ticked) == asked else ticked
    if post.get("narrow") != "conversations":
        return None
    return conversation_refs(post.get("conversation_list", ""))


def conversation_refs(text: str) -> list[uuid.UUID]:
    """Conversation ids from pasted ids or inbox links, one per line, comma or space."""
    refs = []
    for token in re.split(r"[\s,;]+", text.strip()):
        if not token:
            continue
        found = _UUID.search(token)
        if not found:
            raise Invalid(
                _("“%(text)s” is neither a conversation id nor a link to a conversation.")
                % {"text": token[:80]},
                fields={"conversation_list": "bad reference"},
            )
        refs.append(uuid.UUID(found[0]))
    if not refs:
        raise Invalid(
            _(
                "Paste at least one conversation id or inbox link, "
                "or approve the whole workspace as asked."
            ),
            fields={"conversation_list": "required"},
        )
    return refs


def error_text(error: DomainError, grant) -> str:
    """The service's refusal in the reader's language (its message is English)."""
    fields = error.fields or {}
    if isinstance(error, Conflict):
        if "expired" in error.message:
            return _("This request expired without a decision; platform support must ask again.")
        if "not live" in error.message:
            return _("This grant has already ended: nothing to revoke.")
        return _("This request was already answered.")
    for name, code in fields.items():
        text = _FIELD_ERRORS.get((name, code))
        if text:
            return str(text) % {
                "most": grant.requested_hours,
                "ids": error.message.partition(": ")[2],
                "limit": grant_services.MAX_CONVERSATIONS,
                "note": grant_services.DECISION_NOTE_MAX,
            }
        if name == "hours":
            return _("The duration must be between 1 and %(most)s hours.") % {
                "most": grant.requested_hours
            }
    return error.message


# The services' refusals by field and code (platform_staff.services.grants).
_FIELD_ERRORS = {
    ("hours", "not a number"): _lazy("Give the duration in whole hours."),
    ("conversations", "bad id"): _lazy("One of the conversations is not a conversation id."),
    ("conversations", "unknown ids"): _lazy(
        "No conversation of this workspace has these ids: %(ids)s. Nothing was approved."
    ),
    ("conversations", "too many"): _lazy("List at most %(limit)s conversations."),
    ("conversations", "required"): _lazy("Keep at least one conversation, or deny the request."),
    ("conversations", "not requested"): _lazy(
        "You can only narrow a request to conversations it asked for."
    ),
    ("note", "too long"): _lazy("Keep the note under %(note)s characters."),
}
