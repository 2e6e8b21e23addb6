"""One conversation: its thread, the reply box, staff actions and the contact panel.

Reads go through the conversations selectors, writes through its services,
exactly as the API does. Every write is a POST form; the page's script may send
the reply and note forms with fetch and asks for JSON then.
"""

import datetime as dt
import json
import uuid

from django.conf import settings
from django.contrib import messages as flash
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conversations import selectors
from conversations.api.reads import record_personal_read
from conversations.services import inbox as inbox_services
from conversations.services import integrity
from conversations.services import messages as message_services
from instaply.api import cursors
from instaply.errors import DomainError, Invalid
from tenants.permissions import Capability
from tenants.selectors import membership_get, membership_list
from web import history, inbox, minors
from web.consent import consent_panel
from web.labels import domain_error_message
from web.tenancy import member_required

READ, WRITE = Capability.CONVERSATIONS_READ, Capability.CONVERSATIONS_WRITE
THREAD_PAGE = 50
SNOOZE_PRESETS = ("1h", "3h", "tomorrow", "monday")


def thread_items(conversation, *, request, cursor: str | None = None):
    """Messages, notes and reopenings, oldest first, for one page of the thread.

    Messages come a page at a time (newest page first); notes and reopenings are
    few and are placed in the page whose time span holds them. A message whose stored bytes
    do not decrypt is shown as unreadable (and reported), not a failed page.
    """
    page, next_cursor = selectors.message_list(
        conversation=conversation, cursor=cursor, limit=THREAD_PAGE
    )
    integrity.messages_open(messages=page, request=request)
    oldest = page[-1].created_at if next_cursor and page else None
    newest = None
    if cursor:
        (before,) = cursors.decode(cursor, uuid.UUID)
        newest = selectors.message_get(conversation=conversation, id=before).created_at

    def in_page(row):
        return (oldest is None or row.created_at >= oldest) and (
            newest is None or row.created_at < newest
        )

    notes = [note for note in selectors.note_list(conversation=conversation) if in_page(note)]
    reopenings = [r for r in selectors.reopening_list(conversation=conversation) if in_page(r)]
    items = [("message", m) for m in page] + [("note", n) for n in notes]
    items += [("reopened", r) for r in reopenings]
    items.sort(key=lambda item: (item[1].created_at, item[1].id))
    return items, next_cursor, len(page), len(notes)


def _record_thread_read(
    request, conversation, *, messages: int, notes: int, listed=0, consents=0, history_rows=0
):
    fields = ["contact", "messages", "notes"]
    if listed:
        fields += inbox.LIST_FIELDS
    if consents:
        fields.append("consents")
    if history_rows:
        fields += history.FIELDS
    record_personal_read(
        request,
        target=("conversation", conversation.pk),
        fields=fields,
        count=messages + notes + listed + consents + history_rows,
    )


def _sms_number(conversation) -> str:
    if conversation.channel != "sms":
        return ""
    from channels_sms.selectors import phone_number_of_conversation

    number = phone_number_of_conversation(conversation)
    return number.number if number else ""


def _assignable(tenant) -> list:
    return [m for m in membership_list(tenant=tenant) if m.can(WRITE)]


@require_GET
@member_required(READ)
def conversation_page(request, conversation_id):
    conversation = selectors.conversation_get(tenant=request.tenant, id=conversation_id)
    inbox_services.conversation_mark_read(actor=request.membership, conversation=conversation)
    items, next_cursor, n_messages, n_notes = thread_items(conversation, request=request)
    filters = inbox.remembered_filters(request)
    listing = inbox.list_context(request, filters)
    contact = conversation.contact
    panel = consent_panel(contact)
    earlier = history.previous_conversations(request, contact, current=conversation)
    _record_thread_read(
        request,
        conversation,
        messages=n_messages,
        notes=n_notes,
        listed=len(listing["conversations"]),
        consents=len(panel["consent_ledger"]),
        history_rows=len(earlier["previous_conversations"]),
    )
    labelled = list(conversation.labels.for_tenant(request.tenant))
    can_write = request.membership.can(WRITE)
    canned = list(selectors.canned_response_list(tenant=request.tenant)) if can_write else []
    context = (
        listing
        | panel
        | earlier
        | {
            "conversation": conversation,
            "contact": contact,
            "items": items,
            "thread_cursor": next_cursor,
            "current_id": conversation.id,
            "conversation_labels": labelled,
            "current_labels": {str(label.id) for label in labelled},
            "sms_number": _sms_number(conversation),
            "opted_out": contact.has_opted_out(conversation.channel),
            "assignable": _assignable(request.tenant) if can_write else [],
            "canned": canned,
            "canned_json": json.dumps([{"shortcut": c.shortcut, "text": c.text} for c in canned]),
            "max_segments": settings.SMS_MAX_SEGMENTS,
            "snooze_presets": SNOOZE_PRESETS,
            "back_query": filters.query(),
        }
    )
    context |= minors.page_context(request, contact)
    return render(request, "web/conversation.html", context)


@require_GET
@member_required(READ)
def thread_fragment(request, conversation_id):
    """The newest page of the thread (or an older one with ``cursor``), for the
    live refresh and the "older messages" button. Viewing it marks it read."""
    conversation = selectors.conversation_get(tenant=request.tenant, id=conversation_id)
    cursor = request.GET.get("cursor") or None
    if cursor is None:
        inbox_services.conversation_mark_read(actor=request.membership, conversation=conversation)
    items, next_cursor, n_messages, n_notes = thread_items(
        conversation, request=request, cursor=cursor
    )
    _record_thread_read(request, conversation, messages=n_messages, notes=n_notes)
    return render(
        request,
        "web/_thread_items.html",
        {
            "conversation": conversation,
            "contact": conversation.contact,
            "items": items,
            "thread_cursor": next_cursor,
            "fragment": True,
        },
    )


# Writes -------------------------------------------------------------------------


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _done(request, conversation_id, *, error: DomainError | None = None, success: str = ""):
    """Back to the conversation (a plain form), or a small JSON answer (fetch)."""
    if _wants_json(request):
        if error is not None:
            return JsonResponse({"error": domain_error_message(error)}, status=error.status_code)
        return JsonResponse({"ok": True, "message": success})
    if error is not None:
        flash.error(request, domain_error_message(error))
    elif success:
        flash.success(request, success)
    return redirect(reverse("web:conversation", args=[conversation_id]))


def _conversation(request, conversation_id):
    return selectors.conversation_get(tenant=request.tenant, id=conversation_id)


@require_POST
@member_required(WRITE)
def reply(request, conversation_id):
    conversation = _conversation(request, conversation_id)
    try:
        message_services.message_reply(
            actor=request.membership, conversation=conversation, body=request.POST.get("body", "")
        )
    except DomainError as error:
        return _done(request, conversation.id, error=error)
    return _done(request, conversation.id, success=_("Reply queued."))


@require_POST
@member_required(WRITE)
def note(request, conversation_id):
    conversation = _conversation(request, conversation_id)
    try:
        inbox_services.note_add(
            actor=request.membership, conversation=conversation, body=request.POST.get("body", "")
        )
    except DomainError as error:
        return _done(request, conversation.id, error=error)
    return _done(request, conversation.id, success=_("Note added."))


@require_POST
@member_required(WRITE)
def assign(request, conversation_id):
    conversation = _conversation(request, conversation_id)
    chosen = request.POST.get("assignee", "")
    if chosen == "me":
        assignee = request.membership
    elif chosen:
        # An id from the form is looked up inside the member's tenant (404 otherwise).
        assignee = membership_get(tenant=request.tenant, id=chosen)
    else:
        assignee = None
    try:
        inbox_services.conversation_assign(
            actor=request.membership, conversation=conversation, assignee=assignee
        )
    except DomainError as error:
        return _done(request, conversation.id, error=error)
    return _done(
        request,
        conversation.id,
        success=_("Assigned to %(name)s.") % {"name": assignee.user.get_full_name()}
        if assignee
        else _("Unassigned."),
    )


STATUS_ACTIONS = {"close": "closed", "reopen": "open", "pending": "pending", "snooze": "snoozed"}


def snooze_until(preset: str, custom: str, *, now=None) -> dt.datetime:
    """The end of a snooze, in the reader's time zone (activated by the middleware)."""
    now = timezone.localtime(now or timezone.now())
    morning = {"hour": 9, "minute": 0, "second": 0, "microsecond": 0}
    if preset == "1h":
        return now + dt.timedelta(hours=1)
    if preset == "3h":
        return now + dt.timedelta(hours=3)
    if preset == "tomorrow":
        return _at(now.date() + dt.timedelta(days=1), morning)
    if preset == "monday":
        return _at(now.date() + dt.timedelta(days=7 - now.weekday()), morning)
    try:
        chosen = dt.datetime.fromisoformat(custom)
    except ValueError:
        raise Invalid(_("Choose when the conversation comes back.")) from None
    return timezone.make_aware(chosen) if timezone.is_naive(chosen) else chosen


def _at(day: dt.date, time: dict) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, **time))


@require_POST
@member_required(WRITE)
def change_status(request, conversation_id):
    conversation = _conversation(request, conversation_id)
    action = request.POST.get("action", "")
    if action not in STATUS_ACTIONS:
        return _done(request, conversation.id, error=Invalid(_("Unknown action.")))
    try:
        until = None
        if action == "snooze":
            until = snooze_until(request.POST.get("preset", ""), request.POST.get("until", ""))
        inbox_services.conversation_set_status(
            actor=request.membership,
            conversation=conversation,
            status=STATUS_ACTIONS[action],
            snoozed_until=until,
        )
    except DomainError as error:
        return _done(request, conversation.id, error=error)
    done = {
        "close": _("Conversation closed."),
        "reopen": _("Conversation reopened."),
        "pending": _("Conversation marked pending."),
        "snooze": _("Conversation snoozed."),
    }
    return _done(request, conversation.id, success=done[action])


@require_POST
@member_required(WRITE)
def set_labels(request, conversation_id):
    conversation = _conversation(request, conversation_id)
    wanted = set(request.POST.getlist("label"))
    current = {label.id for label in conversation.labels.for_tenant(request.tenant)}
    # Only the tenant's own labels can be set: ids are matched against its list.
    for label in selectors.label_list(tenant=request.tenant):
        present = str(label.id) in wanted
        if present != (label.id in current):
            inbox_services.conversation_label(
                actor=request.membership, conversation=conversation, label=label, present=present
            )
    return _done(request, conversation.id, success=_("Labels saved."))


@require_POST
@member_required(WRITE)
def retry(request, conversation_id, message_id):
    conversation = _conversation(request, conversation_id)
    message = selectors.message_get(conversation=conversation, id=message_id)
    try:
        message_services.message_retry(actor=request.membership, message=message)
    except DomainError as error:
        return _done(request, conversation.id, error=error)
    return _done(request, conversation.id, success=_("Sending again."))
