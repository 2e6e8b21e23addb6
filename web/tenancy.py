"""Page access: the same membership resolution and capability check as the API."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tenants.access import TWO_FACTOR_ENROL, membership_for_request, two_factor_pending
from tenants.permissions import Capability


def member_required(capability: Capability):
    """Resolves ``request.membership`` on every page request.

    A person whose membership was revoked (or who was deactivated) is signed out
    and sent to the sign-in page on their very next request. A session that has
    not passed the second factor it needs is sent to the code step (or to set up
    an authenticator) and reaches no member page before.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect(f"{_login_url()}?next={request.path}")
            pending = two_factor_pending(request)
            if pending:
                step = "web:two-factor-enrol" if pending == TWO_FACTOR_ENROL else "web:two-factor"
                return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
            membership = membership_for_request(request)
            if membership is None:
                logout(request)
                messages.error(request, _("Your access to this workspace has ended."))
                return redirect(_login_url())
            if not membership.can(capability):
                raise PermissionDenied
            request.membership = membership
            request.tenant = membership.tenant
            return view(request, *args, **kwargs)

        wrapper.required_capability = capability
        return wrapper

    return decorator


def _login_url() -> str:
    return reverse("web:login")
