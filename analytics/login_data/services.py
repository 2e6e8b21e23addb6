"""Writes of login data: a session row at sign-in, its once-a-minute activity,
its end, and an admin or the person ending it."""

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analytics.login_data import agents, pending
from analytics.login_data.models import NO_TENANT, LoginSession
from audit import actions
from audit.recorder import Actor, record
from instaply.client_ip import client_ip
from instaply.errors import Forbidden
from instaply.publish import publish_after_commit

# Kept in the Django session: which row it is, the session key and activity
# mark last written to it, and the route counts written so far.
STATE_KEY = "instaply_login_data"
# Two activity marks (at least a minute apart) this close count as time spent;
# a longer gap is a person away from the screen.
ACTIVE_GAP_SECONDS = 5 * 60

Reason = LoginSession.EndReason
# request.logout_reason (set by whoever signs a person out) -> why the session ended.
LOGOUT_REASONS = {
    "idle_timeout": Reason.IDLE_TIMEOUT,
    "revoked": Reason.REVOKED,
}


def login_session_start(*, request, user) -> LoginSession:
    """At sign-in (user_logged_in): one row, and its state in the session."""
    from platform_staff.models import PlatformStaff  # the platform app builds on tenants

    found = agents.request_families(request)
    now = timezone.now()
    row = LoginSession.objects.create(
        user=user,
        session_key=request.session.session_key or "",
        platform_staff=PlatformStaff.objects.filter(user=user).exists(),
        started_at=now,
        last_active_at=now,
        ip=client_ip(request),
        country=agents.country(request),
        browser_family=found.browser,
        os_family=found.os,
        device_family=found.device,
        referrer_host=agents.referrer_host(request),
    )
    request.session[STATE_KEY] = {
        "id": str(row.pk),
        "key": row.session_key,
        "seen": None,
        "routes": {},
    }
    return row


def login_session_mark(*, session, state: dict, mark: int | None) -> None:
    """The minute's write: one UPDATE with the last activity, the time spent since
    the previous mark, the route counts held by this process and the current
    session key. ``mark`` is the session's activity mark (instaply.session_idle)."""
    routes = pending.merged(state.get("routes"), pending.take(state["id"]))
    previous = state.get("seen")
    spent = 0
    if mark is not None and previous is not None and 0 < mark - previous <= ACTIVE_GAP_SECONDS:
        spent = mark - previous
    changes = {"routes": routes, "session_key": session.session_key or ""}
    if mark is not None:
        changes["last_active_at"] = dt.datetime.fromtimestamp(mark, tz=dt.UTC)
    if spent:
        from django.db.models import F

        changes["active_seconds"] = F("active_seconds") + spent
    LoginSession.objects.filter(pk=state["id"], ended_at__isnull=True).update(**changes)
    session[STATE_KEY] = {
        **state,
        "key": changes["session_key"],
        "seen": mark if mark is not None else previous,
        "routes": routes,
    }


def login_session_end(*, request) -> None:
    """At sign-out (user_logged_out, before the session is flushed)."""
    session = getattr(request, "session", None)
    state = session.get(STATE_KEY) if session is not None else None
    if not state:
        return
    reason = LOGOUT_REASONS.get(getattr(request, "logout_reason", ""), Reason.SIGNED_OUT)
    routes = pending.merged(state.get("routes"), pending.take(state["id"]))
    LoginSession.objects.filter(pk=state["id"], ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason=reason, session_key="", routes=routes
    )


def login_session_sign_out(
    *, login_session: LoginSession, request, membership=None, tenant_id=None
) -> bool:
    """Ends a session at once: its Django session is deleted from the store, so the
    person's next request is signed out. ``membership``: the admin who did it (the
    person is then told by email); without it, the person ended their own session.
    False when the session had already ended."""
    by_admin = membership is not None
    if by_admin:
        _check_may_end(membership, login_session)
    with transaction.atomic():
        row = LoginSession.objects.select_for_update().filter(pk=login_session.pk).first()
        if row is None or row.ended_at is not None:
            return False
        if row.session_key:
            import_module(settings.SESSION_ENGINE).SessionStore().delete(row.session_key)
        row.ended_at = timezone.now()
        row.end_reason = Reason.SIGNED_OUT_BY_ADMIN if by_admin else Reason.SIGNED_OUT_ELSEWHERE
        row.session_key = ""
        row.save(update_fields=["ended_at", "end_reason", "session_key"])
        record(
            actions.LOGIN_SESSION_SIGNED_OUT,
            request=request,
            tenant=membership.tenant_id if by_admin else tenant_id,
            actor=Actor.member(membership) if by_admin else Actor.user(request.user),
            target=("login_session", row.pk),
            metadata={"reason": row.end_reason, "own": row.user_id == request.user.pk},
        )
        if by_admin and row.user_id != request.user.pk:
            from analytics.login_data.tasks import tell_signed_out

            publish_after_commit(tell_signed_out, row.pk, membership.tenant_id)
    login_session.ended_at, login_session.end_reason = row.ended_at, row.end_reason
    return True


def users_whose_sessions_may_end(*, membership, user_ids) -> set:
    """Of ``user_ids``, the people whose sessions ``membership`` may end. As with
    access (tenants.services.members): admins end everyone's sessions but an
    owner's; owners end anyone's; everyone ends their own. The sign-out checks it,
    and the page offers the button only where it works."""
    from tenants.models import Membership
    from tenants.permissions import ROLES_MANAGED_BY

    managed = ROLES_MANAGED_BY.get(membership.role, frozenset())
    roles: dict = {}
    memberships = Membership.objects.for_tenant(membership.tenant_id).filter(
        user_id__in=user_ids, revoked_at__isnull=True
    )
    for user_id, role in memberships.values_list("user_id", "role"):
        roles.setdefault(user_id, set()).add(role)
    return {
        user_id
        for user_id in user_ids
        if user_id == membership.user_id or not roles.get(user_id, set()) - managed
    }


def _check_may_end(membership, login_session: LoginSession) -> None:
    user_id = login_session.user_id
    if user_id not in users_whose_sessions_may_end(membership=membership, user_ids={user_id}):
        raise Forbidden("Only an owner can sign out an owner's session.", code="owner_session")


def route_key(tenant_id) -> str:
    return str(tenant_id) if tenant_id else NO_TENANT
