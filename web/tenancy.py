"""Page access: the same membership resolution and capability check as the API."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from audit.recorder import record
from instaply import rls
from instaply.errors import Forbidden, Invalid, NotFound
from tenants.access import TWO_FACTOR_ENROL, membership_for_request, two_factor_pending
from tenants.permissions import Capability

PRIVATE = "private, no-store"


def member_required(capability: Capability):
    """Resolves ``request.membership`` on every page request.

    A person whose membership was revoked (or who was deactivated) is signed out
    and sent to the sign-in page on their very next request. A session that has
    not passed the second factor it needs is sent to the code step (or to set up
    an authenticator) and reaches no member page before.

    Every member page names its person and tenant, so none may be cached by the
    browser or a proxy. A refusal is an access attempt on record, as in the API.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return _to_sign_in(request, f"{_login_url()}?{urlencode({'next': request.path})}")
            pending = two_factor_pending(request)
            membership = None if pending else membership_for_request(request)
            if membership is None and _platform_staff(request):
                # Platform staff reach no member page: the site's 404, audited as
                # platform.access_denied; their console session stays signed in.
                raise Http404
            if pending:
                step = "web:two-factor-enrol" if pending == TWO_FACTOR_ENROL else "web:two-factor"
                return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
            if membership is None:
                request.logout_reason = "revoked"  # read by the sign-out receivers
                logout(request)
                messages.error(request, _("Your access to this workspace has ended."))
                return _to_sign_in(request, _login_url())
            rls.adopt(membership.tenant_id)  # the database shows this tenant's rows only
            request.membership = membership
            request.tenant = membership.tenant
            if not membership.can(capability):
                _denied(request, 403)
                raise PermissionDenied
            try:
                response = view(request, *args, **kwargs)
            except NotFound:
                # Another tenant's id is the same 404 as a missing one.
                _denied(request, 404)
                raise Http404 from None
            except Forbidden:
                _denied(request, 403)
                raise PermissionDenied from None
            except Invalid as error:
                # A malformed id or cursor in the URL: the site's 400 page.
                raise BadRequest(error.message) from None
            response["Cache-Control"] = PRIVATE
            return response

        wrapper.required_capability = capability
        return wrapper

    return decorator


def _platform_staff(request) -> bool:
    from platform_staff.access import platform_staff_on_tenant_route

    return platform_staff_on_tenant_route(request)


def _to_sign_in(request, location: str):
    """A page goes to the sign-in page. A script's request is told where to go
    instead of following the redirect itself, which would consume the message
    meant for the person on the sign-in page."""
    if request.headers.get("X-Requested-With") == "fetch":
        response = JsonResponse({"error": "signed_out", "location": location}, status=401)
        response["Cache-Control"] = PRIVATE
        return response
    return redirect(location)


def _denied(request, status: int) -> None:
    record(
        "access.denied",
        outcome="denied",
        request=request,
        target=("page", getattr(request.resolver_match, "view_name", "") or ""),
        metadata={
            "status": status,
            "method": request.method,
            "route": getattr(request.resolver_match, "route", ""),
        },
    )


def _login_url() -> str:
    return reverse("web:login")
