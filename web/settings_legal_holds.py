"""Legal holds in the workspace's settings (owners only): the active holds, with
the contact each one protects from erasure, a form to set one and a button to
release it."""

import re
import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conversations.api.reads import record_personal_read
from conversations.models import Contact, Conversation
from instaply.errors import DomainError, NotFound
from privacy.dsr.holds import legal_hold_list, legal_hold_release, legal_hold_set
from privacy.dsr.models import LegalHold
from tenants.permissions import Capability
from tenants.scoping import tenant_get
from web import labels
from web.tenancy import member_required

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def contact_from_reference(tenant, text: str) -> Contact:
    """The contact named by its id, or by a link to one of its conversations
    (``.../c/<conversation id>/``), inside the tenant; a 404-like NotFound otherwise."""
    found = _UUID.search(text or "")
    if found is None:
        raise NotFound(_("Give a contact id or a link to one of its conversations."))
    ident = uuid.UUID(found.group(0))
    if "/c/" in text:
        conversation = tenant_get(Conversation, tenant=tenant, id=ident, what="conversation")
        return tenant_get(Contact, tenant=tenant, id=conversation.contact_id, what="contact")
    return tenant_get(Contact, tenant=tenant, id=ident, what="contact")


@member_required(Capability.LEGAL_HOLD)
def holds(request):
    form = {"contact": "", "reason": ""}
    error = None
    if request.method == "POST":
        form = {key: request.POST.get(key, "").strip() for key in form}
        try:
            contact = contact_from_reference(request.tenant, form["contact"])
        except NotFound:
            error = _("No contact of this workspace matches this id or link.")
        else:
            try:
                legal_hold_set(
                    membership=request.membership, contact=contact, reason=form["reason"]
                )
            except DomainError as refused:
                error = labels.domain_error_message(refused)
            else:
                messages.success(
                    request, _("The legal hold is set: this contact cannot be erased.")
                )
                return redirect("web:legal-holds")
    holds = list(legal_hold_list(tenant=request.tenant))
    if holds:
        # The list names each held contact: a read of personal data, on record.
        record_personal_read(
            request, target=("legal_hold_list", ""), fields=["contact"], count=len(holds)
        )
    response = render(
        request,
        "web/settings/legal_holds.html",
        {
            "holds": holds,
            "form": form,
            "error": error,
            "section": "settings",
            "tab": "legal-holds",
        },
        status=400 if error else 200,
    )
    return response


@require_POST
@member_required(Capability.LEGAL_HOLD)
def hold_release(request, hold_id):
    hold = tenant_get(LegalHold, tenant=request.tenant, id=hold_id, what="legal hold")
    try:
        legal_hold_release(membership=request.membership, hold=hold)
    except DomainError as refused:
        messages.error(request, labels.domain_error_message(refused))
    else:
        messages.success(request, _("The legal hold is released."))
    return redirect("web:legal-holds")
