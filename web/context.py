"""What every page's frame needs: the navigation, the tenant switcher, languages."""

import functools

from django.conf import settings

from tenants.access import active_memberships
from tenants.permissions import Capability


def _unread_notices(membership) -> int:
    # notify.js keeps it current on the live pages, from /api/v1/me/unread.
    from notifications.selectors import notice_badge_count

    return notice_badge_count(member=membership)


def _breach_banner(membership):
    if not membership.can(Capability.AUDIT_EXPORT):
        return None
    from breaches.selectors_notices import notice_banner

    return notice_banner(tenant=membership.tenant_id)


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
        "reports": membership.can(Capability.REPORTS_READ),
    }
    # Counted when the frame shows it (a template calls a callable once per
    # lookup; cached), so fragments that never show the bell cost no query.
    context["notices_unread"] = functools.cache(lambda: _unread_notices(membership))
    # The breach banner: a sent notice nobody acknowledged yet, for the members who
    # may read notices; one query, and only on pages that show the frame.
    context["breach_banner"] = functools.cache(lambda: _breach_banner(membership))
    # The switcher lists the person's other workspaces; one query, small.
    context["memberships"] = list(active_memberships(request.user))
    return context
