"""What every page's frame needs: the navigation, the tenant switcher, languages."""

import functools

from django.conf import settings

from tenants.access import active_memberships
from tenants.permissions import Capability
from tenants.selectors_notices import notice_unread_count


def frame(request) -> dict:
    context = {"languages": settings.LANGUAGES}
    membership = getattr(request, "membership", None)
    if membership is None:
        return context
    context["nav"] = {
        "inbox": membership.can(Capability.CONVERSATIONS_READ),
        "settings": membership.can(Capability.STAFF_MANAGE)
        or membership.can(Capability.CHANNELS_MANAGE)
        or membership.can(Capability.AUDIT_EXPORT),
    }
    # Counted when the frame shows it (a template calls a callable once per
    # lookup; cached), so fragments that never show the bell cost no query.
    context["notices_unread"] = functools.cache(lambda: notice_unread_count(membership=membership))
    # The switcher lists the person's other workspaces; one query, small.
    context["memberships"] = list(active_memberships(request.user))
    return context
