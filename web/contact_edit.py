"""Editing a contact on its page: name, email, notes, manual opt-outs and the
restriction of processing, through conversations.services.contacts.contact_update
(the API's PATCH calls the same service, with the same rules and audit)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conversations import selectors
from conversations.api.reads import record_personal_read
from conversations.services.contacts import contact_update
from instaply.errors import DomainError, Forbidden
from tenants.permissions import Capability
from web import history
from web.labels import domain_error_message
from web.tenancy import member_required


def _changes(post) -> dict:
    return {
        "name": post.get("name", ""),
        "email": post.get("email", ""),
        "notes": post.get("notes", ""),
        "opted_out_channels": post.getlist("opted_out"),
        "processing_restricted": post.get("processing_restricted") == "on",
    }


@require_POST
@member_required(Capability.CONVERSATIONS_WRITE)
def contact_edit(request, contact_id):
    contact = selectors.contact_get(tenant=request.tenant, id=contact_id)
    try:
        contact_update(
            actor=request.membership, contact=contact, request=request, **_changes(request.POST)
        )
    except Forbidden as error:
        return _again(request, contact, {"processing_restricted": [error.message]}, error)
    except DomainError as error:
        return _again(request, contact, error.fields or {}, error)
    messages.success(request, _("Contact saved."))
    return redirect("web:contact", contact_id=contact.pk)


def _again(request, contact, errors: dict, error: DomainError):
    """The page again with what was typed and each error beside its field:
    nothing was saved."""
    page, next_cursor = selectors.contact_conversation_list(
        tenant=request.tenant, contact=contact, limit=history.PAGE_SIZE
    )
    record_personal_read(
        request,
        target=("contact", contact.pk),
        fields=["contact", "notes", *history.FIELDS],
        count=1 + len(page),
    )
    typed = _changes(request.POST)
    return render(
        request,
        "web/contact.html",
        {
            "contact": contact,
            "conversations": page,
            "next_cursor": next_cursor,
            "edit_error": domain_error_message(error),
            "edit_errors": {field: " ".join(map(str, texts)) for field, texts in errors.items()},
            "typed": typed,
        },
        status=error.status_code if error.status_code != 403 else 400,
    )
