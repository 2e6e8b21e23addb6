"""Working faster in the inbox: counts on the status tabs, saved views, and one
action on a selection of conversations (web/static/web/bulk.js selects them;
without the script the checkboxes and the form still work)."""

from django.contrib import messages
from django.http import JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from conversations import selectors
from conversations.selectors_counts import conversation_status_counts
from conversations.services import bulk
from instaply.errors import DomainError
from saved_views.selectors import saved_view_get, saved_view_list
from saved_views.services import saved_view_create, saved_view_delete
from tenants.permissions import Capability
from tenants.selectors import membership_get, membership_list
from web.labels import CHANNELS, domain_error_message
from web.tenancy import member_required

READ = Capability.CONVERSATIONS_READ


def list_extras(request, filters, *, searching: bool) -> dict:
    """What the list pane shows besides the rows: two queries for the counts
    (conversations.selectors_counts), one for the member's saved views."""
    from web.inbox import InboxFilters

    arguments = filters.selector_arguments()
    arguments.pop("status")
    views = saved_view_list(member=request.membership)
    for view in views:
        view.query = InboxFilters.from_params(view.filters).query()
    return {
        "status_counts": None
        if searching
        else conversation_status_counts(
            tenant=request.tenant, member=request.membership, **arguments
        ),
        "status_counts_url": None if searching else _status_counts_url(arguments),
        "saved_views": views,
        "channels": list(CHANNELS),
        "bulk_assignable": _assignable(request),
    }


def _status_counts_url(arguments: dict) -> str:
    """The API address that answers the same counts under the same filters, for
    counts.js to refresh the tabs live (codes and ids only, as in the page's URL)."""
    names = {"assignee": "assignee", "shop_id": "shop", "label_id": "label", "channel": "channel"}
    query = {names[key]: value for key, value in arguments.items() if value}
    url = reverse("api:conversation-status-counts")
    return f"{url}?{urlencode(query)}" if query else url


def _assignable(request) -> list:
    """Members a conversation may be assigned to, for a member who may assign."""
    write = Capability.CONVERSATIONS_WRITE
    if not request.membership.can(write):
        return []
    return [m for m in membership_list(tenant=request.tenant) if m.can(write)]


# Bulk actions ----------------------------------------------------------------------

DONE = {
    "close": lambda n: ngettext("%(n)d conversation closed.", "%(n)d conversations closed.", n),
    "assign": lambda n: ngettext(
        "%(n)d conversation assigned.", "%(n)d conversations assigned.", n
    ),
    "label": lambda n: ngettext("%(n)d conversation labelled.", "%(n)d conversations labelled.", n),
    "mark_read": lambda n: ngettext(
        "%(n)d conversation marked read.", "%(n)d conversations marked read.", n
    ),
}


def result_line(result: bulk.BulkResult) -> str:
    line = DONE[result.action](result.changed) % {"n": result.changed}
    if result.unchanged:
        line += " " + ngettext(
            "%(n)d was already so.", "%(n)d were already so.", result.unchanged
        ) % {"n": result.unchanged}
    return line


@require_POST
@member_required(READ)
def bulk_action(request):
    """One service call for the whole selection; back to the list it came from."""
    post = request.POST
    action = post.get("action", "")
    from web.inbox import InboxFilters

    # Back to the same filters, re-read as the inbox reads them (codes and ids only).
    back_filters = InboxFilters.from_params(QueryDict(post.get("back", "")[:500]))
    back = reverse("web:inbox") + "?" + back_filters.query()
    try:
        assignee, label = None, None
        if action == "assign":
            chosen = post.get("assignee", "")
            if chosen == "me":
                assignee = request.membership
            elif chosen:
                # Looked up inside the member's tenant: another tenant's id is a 404.
                assignee = membership_get(tenant=request.tenant, id=chosen)
        elif action == "label" and post.get("label"):
            label = selectors.label_get(tenant=request.tenant, id=post["label"])
        result = bulk.conversations_bulk(
            actor=request.membership,
            action=action,
            conversation_ids=post.getlist("conversations"),
            assignee=assignee,
            label=label,
        )
    except DomainError as error:
        if request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"error": domain_error_message(error)}, status=error.status_code)
        messages.error(request, domain_error_message(error))
        return redirect(back)
    line = result_line(result)
    if request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse({"ok": True, "message": line, "changed": result.changed})
    messages.success(request, line)
    return redirect(back)


# Saved views -----------------------------------------------------------------------


@require_POST
@member_required(READ)
def saved_view_save(request):
    from web.inbox import InboxFilters

    filters = InboxFilters.from_params(request.POST)
    values = {key: value for key, value in filters.__dict__.items() if value}
    try:
        saved_view_create(
            actor=request.membership, name=request.POST.get("name", ""), filters=values
        )
    except DomainError as error:
        messages.error(request, domain_error_message(error))
    else:
        messages.success(request, _("View saved."))
    return redirect(reverse("web:inbox") + "?" + filters.query())


@require_POST
@member_required(READ)
def saved_view_remove(request, view_id):
    view = saved_view_get(member=request.membership, id=view_id)
    saved_view_delete(actor=request.membership, view=view)
    messages.success(request, _("View deleted."))
    return redirect("web:inbox")
