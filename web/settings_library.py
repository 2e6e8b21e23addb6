"""Settings → Labels and Saved replies: the tenant's library, through the same
services and role rules as the API (reading: every reader; changing: whoever
can change conversations)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from conversations import selectors
from conversations.services import library
from instaply.errors import DomainError, Forbidden
from tenants.permissions import Capability, denial_message
from web.labels import domain_error_message
from web.tenancy import member_required

READ, WRITE = Capability.CONVERSATIONS_READ, Capability.CONVERSATIONS_WRITE


def _require_write(request) -> None:
    if not request.membership.can(WRITE):
        raise Forbidden(denial_message(request.membership.role, WRITE))


def _page(request, template: str, tab: str, context: dict, *, error=None, typed=None):
    context |= {
        "section": "settings",
        "tab": tab,
        "error": domain_error_message(error) if error else "",
        "field_errors": {k: " ".join(map(str, v)) for k, v in (error.fields or {}).items()}
        if error
        else {},
        "typed": typed or {},
    }
    status = error.status_code if error else 200
    return render(request, template, context, status=status)


# Labels --------------------------------------------------------------------------


def _labels_page(request, **kwargs):
    return _page(
        request,
        "web/working/settings_labels.html",
        "labels",
        {"labels": selectors.label_list(tenant=request.tenant)},
        **kwargs,
    )


@require_http_methods(["GET", "POST"])
@member_required(READ)
def labels(request):
    if request.method != "POST":
        return _labels_page(request)
    _require_write(request)
    typed = {"name": request.POST.get("name", ""), "colour": request.POST.get("colour", "")}
    try:
        library.label_create(
            actor=request.membership, name=typed["name"], colour=typed["colour"] or "#5a6376"
        )
    except DomainError as error:
        return _labels_page(request, error=error, typed=typed | {"form": "new"})
    messages.success(request, _("Label created."))
    return redirect("web:settings-labels")


@require_POST
@member_required(WRITE)
def label_edit(request, label_id):
    label = selectors.label_get(tenant=request.tenant, id=label_id)
    typed = {"name": request.POST.get("name", ""), "colour": request.POST.get("colour", "")}
    try:
        if request.POST.get("action") == "delete":
            library.label_delete(actor=request.membership, label=label)
            messages.success(request, _("Label deleted."))
        else:
            library.label_update(actor=request.membership, label=label, **typed)
            messages.success(request, _("Label saved."))
    except DomainError as error:
        return _labels_page(request, error=error, typed=typed | {"form": str(label.pk)})
    return redirect("web:settings-labels")


# Saved replies -------------------------------------------------------------------


def _replies_page(request, **kwargs):
    return _page(
        request,
        "web/working/settings_saved_replies.html",
        "saved-replies",
        {"replies": selectors.canned_response_list(tenant=request.tenant)},
        **kwargs,
    )


def _typed_reply(post) -> dict:
    return {"shortcut": post.get("shortcut", ""), "text": post.get("text", "")}


@require_http_methods(["GET", "POST"])
@member_required(READ)
def saved_replies(request):
    if request.method != "POST":
        return _replies_page(request)
    _require_write(request)
    typed = _typed_reply(request.POST)
    try:
        library.canned_response_create(actor=request.membership, **typed)
    except DomainError as error:
        return _replies_page(request, error=error, typed=typed | {"form": "new"})
    messages.success(request, _("Saved reply created."))
    return redirect("web:settings-saved-replies")


@require_POST
@member_required(WRITE)
def saved_reply_edit(request, canned_id):
    canned = selectors.canned_response_get(tenant=request.tenant, id=canned_id)
    typed = _typed_reply(request.POST)
    try:
        if request.POST.get("action") == "delete":
            library.canned_response_delete(actor=request.membership, canned=canned)
            messages.success(request, _("Saved reply deleted."))
        else:
            library.canned_response_update(actor=request.membership, canned=canned, **typed)
            messages.success(request, _("Saved reply saved."))
    except DomainError as error:
        return _replies_page(request, error=error, typed=typed | {"form": str(canned.pk)})
    return redirect("web:settings-saved-replies")
