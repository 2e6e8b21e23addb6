"""Reads of login data: a workspace's staff sessions, a person's own, and the
history the security alert rules compare a sign-in with."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from analytics.login_data.models import LoginSession
from instaply.errors import NotFound
from tenants.models import Membership

LIST_LIMIT = 200
# A missing row, and a malformed id: the same 404.
_MISSING = (LoginSession.DoesNotExist, ValidationError, ValueError, TypeError)


def _current_first(queryset: QuerySet, now: dt.datetime) -> QuerySet:
    """A session is current while not ended and not idle past the longer timeout."""
    idle = max(settings.SESSION_IDLE_TIMEOUT, settings.PLATFORM_SESSION_IDLE_TIMEOUT)
    cutoff = now - dt.timedelta(seconds=idle)
    return queryset.annotate(
        current=Case(
            When(Q(ended_at__isnull=True, last_active_at__gte=cutoff), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    ).order_by("-current", "-last_active_at", "-pk")


def _staff_user_ids(tenant):
    """The people with an active membership of ``tenant``: its staff. Platform
    staff have none, and their rows are excluded again by their flag."""
    return Membership.objects.for_tenant(tenant).filter(revoked_at__isnull=True).values("user_id")


def staff_sessions(*, tenant, membership: Membership | None = None, now=None) -> QuerySet:
    """The sessions of the workspace's staff (one member's with ``membership``),
    current ones first. Index: login_session_user_started."""
    people = _staff_user_ids(tenant)
    if membership is not None:
        people = people.filter(pk=membership.pk)
    queryset = LoginSession.objects.filter(user_id__in=people, platform_staff=False)
    return _current_first(queryset.select_related("user"), now or timezone.now())


def staff_session_get(*, tenant, id) -> LoginSession:
    """One session of the workspace's staff; anyone else's is the same 404 as a
    missing one."""
    try:
        return staff_sessions(tenant=tenant).get(pk=id)
    except _MISSING:
        raise NotFound("No session with this id.") from None


def own_sessions(*, user, now=None) -> QuerySet:
    return _current_first(LoginSession.objects.filter(user=user), now or timezone.now())


def own_session_get(*, user, id) -> LoginSession:
    try:
        return own_sessions(user=user).get(pk=id)
    except _MISSING:
        raise NotFound("No session with this id.") from None


def sign_in_novelty(*, user_id, at: dt.datetime) -> dict[str, bool]:
    """Whether the sign-in at ``at`` came from a country, or a device (browser and
    OS family), never seen in the person's earlier sessions. A person's first
    session sets the baseline; so does the first one with a known country.
    Index: login_session_user_started (the person's rows, a few hundred at most)."""
    mine = LoginSession.objects.filter(user_id=user_id)
    # The session this sign-in opened: written in the same request as its event.
    session = (
        mine.filter(started_at__lte=at + dt.timedelta(seconds=5))
        .filter(started_at__gte=at - dt.timedelta(seconds=5))
        .order_by("-started_at")
        .first()
    )
    if session is None:
        return {"country": False, "device": False}
    earlier = mine.filter(started_at__lt=session.started_at)
    new_country = bool(session.country) and (
        earlier.exclude(country="").exists()
        and not earlier.filter(country=session.country).exists()
    )
    device = {"browser_family": session.browser_family, "os_family": session.os_family}
    new_device = bool(session.browser_family or session.os_family) and (
        earlier.exists() and not earlier.filter(**device).exists()
    )
    return {"country": new_country, "device": new_device}
