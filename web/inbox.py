"""The inbox: the conversation list with the API's filters, a page at a time.

Filters travel in the query string (codes and ids only). A search by phone
number or email is personal data, so it is never put in a URL or the session:
it is a POST, answered with the matching list.
"""

import uuid
from dataclasses import asdict, dataclass

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from conversations import selectors
from conversations.api.reads import record_personal_read
from conversations.models import Conversation
from instaply.errors import Invalid
from privacy.blind_index import normalise_phone
from tenants.permissions import Capability
from tenants.selectors import shop_list
from web import working
from web.labels import CHANNELS
from web.tenancy import member_required

READ = Capability.CONVERSATIONS_READ
PAGE_SIZE = 25
ASSIGNEES = ("all", "me", "unassigned")
FILTERS_SESSION_KEY = "inbox_filters"


@dataclass(frozen=True)
class InboxFilters:
    assignee: str = "all"
    status: str = "open"  # "" for every status
    shop: str = ""
    label: str = ""
    channel: str = ""

    @classmethod
    def from_params(cls, params) -> "InboxFilters":
        """Unknown values fall back to the defaults: a hand-edited URL still opens."""
        assignee = params.get("assignee", "all")
        status = params.get("status", "open")
        return cls(
            assignee=assignee if assignee in ASSIGNEES else "all",
            status=status if status in Conversation.Status.values or status == "any" else "open",
            shop=_uuid_or_blank(params.get("shop", "")),
            label=_uuid_or_blank(params.get("label", "")),
            channel=params.get("channel", "") if params.get("channel") in CHANNELS else "",
        )

    def selector_arguments(self) -> dict:
        return {
            "status": None if self.status == "any" else self.status,
            "assignee": None if self.assignee == "all" else self.assignee,
            "shop_id": self.shop or None,
            "label_id": self.label or None,
            "channel": self.channel or None,
        }

    def query(self, **changes) -> str:
        values = asdict(self) | changes
        return urlencode({key: value for key, value in values.items() if value})


def _uuid_or_blank(value: str) -> str:
    try:
        return str(uuid.UUID(value)) if value else ""
    except ValueError:
        return ""


def remembered_filters(request) -> InboxFilters:
    """The filters last used in the inbox, for the list beside a conversation."""
    return InboxFilters.from_params(request.session.get(FILTERS_SESSION_KEY) or {})


def contact_lookup(raw: str) -> tuple[str, str]:
    """("phone", E.164) or ("email", address) from what was typed; Invalid otherwise."""
    text = raw.strip()
    if "@" in text:
        return "email", text
    try:
        return "phone", normalise_phone(text)
    except Invalid:
        raise Invalid(
            _("Enter an exact phone number with its country code (+33…) or an email address.")
        ) from None


def conversation_page(request, filters: InboxFilters, *, lookup=None, cursor=None):
    """One page of the list for the signed-in member, and the cursor of the next."""
    return selectors.conversation_list(
        tenant=request.tenant,
        member=request.membership,
        contact_lookup=lookup,
        cursor=cursor,
        limit=PAGE_SIZE,
        **filters.selector_arguments(),
    )


def list_context(request, filters: InboxFilters, *, lookup=None, cursor=None) -> dict:
    conversations, next_cursor = conversation_page(request, filters, lookup=lookup, cursor=cursor)
    return {
        "conversations": conversations,
        "next_cursor": next_cursor,
        "filters": filters,
        "searching": lookup is not None,
        "shops": shop_list(tenant=request.tenant),
        "labels": selectors.label_list(tenant=request.tenant),
        "assignees": ASSIGNEES,
        "statuses": [*Conversation.Status.values, "any"],
        "events_cursor": selectors.feed_latest_seq(tenant=request.tenant),
        # How long each long-poll of the live feed may wait (the API caps it at 25 s).
        "events_wait": getattr(settings, "INBOX_EVENTS_WAIT_SECONDS", 25),
        "section": "inbox",
    } | working.list_extras(request, filters, searching=lookup is not None)


LIST_FIELDS = ["contact.display_name", "last_message_preview"]


@require_http_methods(["GET", "POST"])
@member_required(READ)
def inbox(request):
    """GET: the list by filters. POST: the conversations of one contact, found by
    exact phone number or email."""
    params = request.POST if request.method == "POST" else request.GET
    filters = InboxFilters.from_params(params)
    lookup, search_error, query = None, "", ""
    if request.method == "POST":
        query = request.POST.get("q", "")[:200]
        try:
            lookup = contact_lookup(query)
        except Invalid as error:
            search_error = error.message
        filters = InboxFilters(status="any")  # a search looks at every conversation
    elif request.session.get(FILTERS_SESSION_KEY) != asdict(filters):
        request.session[FILTERS_SESSION_KEY] = asdict(filters)
    cursor = request.GET.get("cursor") if request.method == "GET" else None
    context = list_context(request, filters, lookup=lookup, cursor=cursor)
    if search_error:
        context["conversations"], context["next_cursor"] = [], None
    record_personal_read(
        request,
        target=("conversation_list", ""),
        fields=LIST_FIELDS,
        count=len(context["conversations"]),
    )
    context |= {"search_error": search_error, "query": query, "paged": bool(cursor)}
    status = 400 if search_error else 200
    return render(request, "web/inbox.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required(READ)
def inbox_rows(request):
    """The rows of one page of the list, for the live refresh and "older" pages.

    POST repeats a search (its text stays out of the URL)."""
    if request.method == "POST":
        try:
            lookup = contact_lookup(request.POST.get("q", "")[:200])
        except Invalid:
            return HttpResponse(status=400)
        filters, cursor = InboxFilters(status="any"), request.POST.get("cursor") or None
    else:
        lookup, filters = None, InboxFilters.from_params(request.GET)
        cursor = request.GET.get("cursor") or None
    conversations, next_cursor = conversation_page(request, filters, lookup=lookup, cursor=cursor)
    record_personal_read(
        request, target=("conversation_list", ""), fields=LIST_FIELDS, count=len(conversations)
    )
    return render(
        request,
        "web/_conversation_rows.html",
        {
            "conversations": conversations,
            "next_cursor": next_cursor,
            "filters": None if lookup else filters,
            "fragment": True,
        },
    )
