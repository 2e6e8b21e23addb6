"""A contact's earlier conversations: the contact panel's list and the contact page.

Reads go through conversations.selectors, each one audited as a read of
personal data (the previews are message text), like the thread reads."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from conversations import selectors
from conversations.api.reads import record_personal_read
from instaply.api import cursors
from tenants.permissions import Capability
from web.tenancy import member_required

PANEL_SIZE = 10
PAGE_SIZE = 25
FIELDS = ["conversations", "last_message_preview"]


def previous_conversations(request, contact, *, current) -> dict:
    """The contact panel's "Previous conversations": the newest others, not audited
    here (the page's own read event counts them)."""
    page, more = selectors.contact_conversation_list(
        tenant=request.tenant, contact=contact, limit=PANEL_SIZE + 1
    )
    others = [c for c in page if c.pk != current.pk][:PANEL_SIZE]
    return {"previous_conversations": others, "more_conversations": more is not None}


@require_GET
@member_required(Capability.CONVERSATIONS_READ)
def contact_page(request, contact_id):
    contact = selectors.contact_get(tenant=request.tenant, id=contact_id)
    page, next_cursor = selectors.contact_conversation_list(
        tenant=request.tenant,
        contact=contact,
        cursor=request.GET.get("cursor") or None,
        limit=cursors.page_size(request.GET.get("limit"), default=PAGE_SIZE),
    )
    record_personal_read(
        request,
        target=("contact", contact.pk),
        fields=["contact", *FIELDS],
        count=1 + len(page),
    )
    return render(
        request,
        "web/contact.html",
        {"contact": contact, "conversations": page, "next_cursor": next_cursor},
    )
