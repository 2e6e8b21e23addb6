"""The website chat's live signals in a conversation page: whether the visitor
is typing and which reply they saw (read by the page's widget-live.js every
few seconds while the page is in view), and the member's own typing, which the
visitor's chat shows with their first name (conversations.widget.live)."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from conversations import selectors
from conversations.widget import live
from instaply.ratelimit import hit
from tenants.permissions import Capability
from web.tenancy import member_required

CHANNEL = "widget"


@member_required(Capability.CONVERSATIONS_READ)
def _signals(request, conversation_id):
    conversation = selectors.conversation_get(tenant=request.tenant, id=conversation_id)
    if conversation.channel != CHANNEL:
        return JsonResponse({"visitor_typing": False, "visitor_read_up_to": None})
    read_up_to = live.visitor_read_up_to(conversation=conversation)
    return JsonResponse(
        {
            "visitor_typing": live.visitor_is_typing(conversation=conversation),
            # As the thread's items name their messages (data-id).
            "visitor_read_up_to": f"m-{read_up_to}" if read_up_to else None,
        }
    )


@member_required(Capability.CONVERSATIONS_WRITE)
def _typing(request, conversation_id):
    conversation = selectors.conversation_get(tenant=request.tenant, id=conversation_id)
    verdict = hit("inbox_typing", str(request.membership.pk))
    if not verdict.allowed:
        response = JsonResponse(
            {"error": _("Too many typing signals. Try again in a few seconds.")}, status=429
        )
        response["Retry-After"] = str(verdict.retry_after)
        return response
    if conversation.channel == CHANNEL:
        live.agent_typing_signal(membership=request.membership, conversation=conversation)
    return JsonResponse({}, status=202)


@require_http_methods(["GET", "POST"])
def widget_signals(request, conversation_id):
    if request.method == "POST":
        return _typing(request, conversation_id)
    return _signals(request, conversation_id)
