"""What every page's frame needs: the navigation, the tenant switcher, languages."""

from django.conf import settings

from tenants.access import active_memberships
from tenants.permissions import Capability


def frame(request) -> dict:
    context = {"languages": settings.LANGUAGES}
    membership = getattr(request, "membership", None)
    if membership is None:
        return context
    context["nav"] = {
        "inbox": membership.can(Capability.CONVERSATIONS_READ),
        "settings": membership.can(Capability.STAFF_MANAGE)
        or membership.can(Capability.CHANNELS_MANAGE),
    }
    # The switcher lists the person's other workspaces; one query, small.
    context["memberships"] = list(active_memberships(request.user))
    return context
