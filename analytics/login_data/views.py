"""Pages of login data: Settings → Sign-ins (a workspace's owners and admins see
their staff's sessions and sign one out) and the person's own sign-ins."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from analytics.login_data import selectors, services
from tenants.models import Membership
from tenants.permissions import Capability
from tenants.scoping import tenant_get
from web.tenancy import member_required


def _current_id(request) -> str:
    return (request.session.get(services.STATE_KEY) or {}).get("id", "")


# Why a session ended, in the reader's words (LoginSession.EndReason).
END_REASONS = {
    "signed_out": _lazy("signed out"),
    "signed_out_elsewhere": _lazy("signed out from another session"),
    "signed_out_by_admin": _lazy("signed out by an admin"),
    "idle_timeout": _lazy("signed out after inactivity"),
    "revoked": _lazy("access revoked"),
}


def _rows(sessions, routes_of, may_end=frozenset(), everyone=False) -> list[dict]:
    return [
        {
            "session": row,
            # The sign-out button only where the sign-out would be allowed.
            "may_end": everyone or row.user_id in may_end,
            "ended_because": END_REASONS.get(row.end_reason, row.end_reason),
            "routes": sorted(routes_of(row).items(), key=lambda item: (-item[1], item[0])),
        }
        for row in sessions
    ]


@member_required(Capability.LOGIN_DATA_READ)
def sign_ins(request):
    tenant = request.tenant
    person = None
    if request.GET.get("person"):
        person = tenant_get(Membership, tenant=tenant, id=request.GET["person"], what="member")
    sessions = list(
        selectors.staff_sessions(tenant=tenant, membership=person)[: selectors.LIST_LIMIT]
    )
    may_end = services.users_whose_sessions_may_end(
        membership=request.membership, user_ids={row.user_id for row in sessions}
    )
    people = (
        Membership.objects.for_tenant(tenant)
        .filter(revoked_at__isnull=True)
        .select_related("user")
        .order_by("user__email")
    )
    context = {
        "rows": _rows(sessions, lambda row: row.routes_in(tenant.pk), may_end),
        "people": people,
        "person": person,
        "current_id": _current_id(request),
        "limit": selectors.LIST_LIMIT,
        "retention_days": settings.LOGIN_DATA_RETENTION_DAYS,
        "section": "settings",
        "tab": "sign-ins",
    }
    return render(request, "login_data/sign_ins.html", context)


@require_POST
@member_required(Capability.LOGIN_DATA_READ)
def sign_in_end(request, login_session_id):
    row = selectors.staff_session_get(tenant=request.tenant, id=login_session_id)
    ended = services.login_session_sign_out(
        login_session=row, request=request, membership=request.membership
    )
    if ended:
        messages.success(
            request, _("Session signed out: its next request goes to the sign-in page.")
        )
    else:
        messages.info(request, _("This session had already ended."))
    return redirect("web:sign-ins")


@member_required(Capability.SELF)
def own_sign_ins(request):
    sessions = selectors.own_sessions(user=request.user)[: selectors.LIST_LIMIT]
    context = {
        "rows": _rows(sessions, lambda row: row.all_routes(), everyone=True),
        "current_id": _current_id(request),
        "limit": selectors.LIST_LIMIT,
        "retention_days": settings.LOGIN_DATA_RETENTION_DAYS,
        "section": "account",
    }
    return render(request, "login_data/own_sign_ins.html", context)


@require_POST
@member_required(Capability.SELF)
def own_sign_in_end(request, login_session_id):
    row = selectors.own_session_get(user=request.user, id=login_session_id)
    if services.login_session_sign_out(
        login_session=row, request=request, tenant_id=request.tenant.pk
    ):
        messages.success(
            request, _("Session signed out: its next request goes to the sign-in page.")
        )
    else:
        messages.info(request, _("This session had already ended."))
    return redirect("web:own-sign-ins")
