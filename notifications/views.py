"""The pages of notifications: a member's preferences (from their account page)
and marking a mention read from the notices page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors
from notifications.services.mentions import mention_mark_read
from notifications.services.preferences import FIELDS, preference_set
from tenants.permissions import Capability
from web.tenancy import member_required


@member_required(Capability.SELF)
def preferences(request):
    member = request.membership
    if request.method == "POST":
        # Unticked boxes are absent from the form: every field is set, on or off.
        chosen = {name: request.POST.get(name) == "on" for name in FIELDS}
        preference_set(member=member, request=request, **chosen)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("web:notification-preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "preference": selectors.preference_of(member=member),
            "reads_conversations": member.can(Capability.CONVERSATIONS_READ),
            "section": "account",
        },
    )


@require_POST
@member_required(Capability.CONVERSATIONS_READ)
def mention_read(request, mention_id):
    mention = selectors.mention_get(member=request.membership, id=mention_id)
    mention_mark_read(member=request.membership, mention=mention)
    messages.success(request, _("Mention marked as read."))
    return redirect("web:notices")
