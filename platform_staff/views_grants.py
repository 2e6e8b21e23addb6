"""Console pages of access grants, for platform support.

A support person sees their own requests (their own data) whatever their
state; tenant content only through a live grant: every such page resolves the
grant and the object through ``platform_staff.access`` and records one
``platform.access`` per view. Nothing here writes to the tenant: no reply box,
no actions.
"""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from conversations import selectors as conversation_selectors
from instaply.errors import DomainError, Invalid, NotFound
from platform_staff.access import (
    granted_conversation,
    granted_conversations,
    live_grant,
    platform_read,
)
from platform_staff.console import staff_required
from platform_staff.forms import GrantRequestForm
from platform_staff.selectors.grants import grant_conversation_ids, grants_of_staff
from platform_staff.services.grants import access_request

# A whole-workspace grant lists the most recently active conversations first.
LIST_LIMIT = 100

# Service refusals the form did not catch, by field and code, in the reader's language.
SERVICE_ERRORS = {
    ("conversations", "unknown ids"): lambda: _(
        "Some of these are not conversations of this workspace."
    ),
    ("conversations", "too many"): lambda: _("Too many conversations for one request."),
}


@require_GET
@staff_required("support")
def grants(request):
    """My requests across tenants, with their state as of now."""
    now = timezone.now()
    rows = [(grant, grant.state(now)) for grant in grants_of_staff(staff=request.platform_staff)]
    return render(request, "platform_staff/grants.html", {"rows": rows, "section": "grants"})


@require_http_methods(["GET", "POST"])
@staff_required("support")
def grant_new(request):
    staff = request.platform_staff
    form = GrantRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = access_request(
                staff=staff,
                tenant=data["tenant"],
                scope=data["scope"],
                reason_code=data["reason_code"],
                case_reference=data["case_reference"],
                justification=data["justification"],
                hours=data["hours"],
                conversation_ids=data["conversations"],
                request=request,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("Request sent. The workspace's owners and admins have been told.")
            )
            return redirect("platform:grant", grant_id=grant.pk)
    return render(
        request,
        "platform_staff/grant_new.html",
        {"form": form, "staff": staff, "section": "grants"},
        status=400 if form.is_bound else 200,
    )


@require_GET
@staff_required("support")
def grant(request, grant_id):
    """One request. Live: the conversations it covers, as the inbox lists them
    (a read, audited). Otherwise: the request and its answer, no tenant content."""
    staff, now = request.platform_staff, timezone.now()
    own = grants_of_staff(staff=staff).filter(pk=grant_id).first()
    context = {"section": "grants", "staff": staff}
    if own is None or own.is_live(now):
        # Someone else's grant or a missing one ends here as a 404 (audited).
        granted = _live(request, grant_id, now=now)
        conversations = list(
            granted_conversations(granted)
            .select_related("contact", "assignee__user", "shop")
            .order_by("-last_activity_at")[:LIST_LIMIT]
        )
        platform_read(
            request=request,
            staff=staff,
            grant=granted,
            target=("access_grant", granted.pk),
            what="conversation_list",
        )
        context |= {
            "grant": granted,
            "state": granted.state(now),
            "live": True,
            "conversations": conversations,
            "limited": len(conversations) == LIST_LIMIT,
        }
    else:
        context |= {
            "grant": own,
            "state": own.state(now),
            "live": False,
            "asked_ids": grant_conversation_ids(grant=own),
            "approved_ids": grant_conversation_ids(grant=own, approved=True),
        }
    return render(request, "platform_staff/grant_detail.html", context)


@require_GET
@staff_required("support")
def grant_conversation(request, grant_id, conversation_id):
    """One conversation's thread under a live grant, read-only."""
    from web.conversation import thread_items

    staff, now = request.platform_staff, timezone.now()
    granted = _live(request, grant_id, now=now)
    try:
        allowed = granted_conversation(
            request=request, staff=staff, grant=granted, conversation_id=conversation_id
        )
        conversation = conversation_selectors.conversation_get(tenant=granted.tenant, id=allowed.pk)
        items, next_cursor, _n_messages, _n_notes = thread_items(
            conversation, request=request, cursor=request.GET.get("cursor") or None
        )
    except NotFound:
        raise Http404 from None
    except Invalid as error:
        # A malformed cursor in the address.
        raise BadRequest(error.message) from None
    platform_read(
        request=request,
        staff=staff,
        grant=granted,
        target=("conversation", conversation.pk),
        what="thread",
    )
    context = {
        "section": "grants",
        "grant": granted,
        "conversation": conversation,
        "contact": conversation.contact,
        "items": items,
        "thread_cursor": next_cursor,
    }
    return render(request, "platform_staff/grant_conversation.html", context)


def _live(request, grant_id, *, now):
    try:
        return live_grant(request=request, staff=request.platform_staff, grant_id=grant_id, now=now)
    except NotFound:
        raise Http404 from None


def _form_error(form, error: DomainError) -> None:
    """A refusal of the service, shown on the field it names (or the form)."""
    for field, code in (error.fields or {}).items():
        message = SERVICE_ERRORS.get((field, code))
        text = message() if message else error.message
        if field in form.fields:
            form.add_error(field, text)
            return
    form.add_error(None, error.message)
