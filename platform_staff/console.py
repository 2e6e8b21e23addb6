"""The console's door: who may open a page under /platform/.

Every console page resolves ``request.platform_staff`` from the database on each
request (so a deactivated person or a removed role stops at once), needs a
session that signed in through the console and passed its second factor, and
answers 404 to anyone signed in who is not platform staff: the console does
not confirm it exists to a tenant's member.
"""

from functools import wraps

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from platform_staff.models import PlatformStaff

# Set in the session by the console's sign-in once the second factor is verified.
PLATFORM_SESSION_KEY = "instaply_platform_staff"
PRIVATE = "private, no-store"


def platform_staff_for(user) -> PlatformStaff | None:
    """The active platform person behind ``user``, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    staff = PlatformStaff.objects.select_related("user").filter(user=user).first()
    return staff if staff is not None and staff.is_active else None


def is_platform_session(request) -> bool:
    return (
        bool(request.session.get(PLATFORM_SESSION_KEY))
        and getattr(request.user, "is_verified", lambda: False)()
    )


def staff_required(*roles: str):
    """A console page for platform staff holding any of ``roles`` (any role if none).

    Not signed in, or signed in outside the console: to the console's sign-in.
    Signed in but not platform staff: 404. Platform staff without the role: 404
    too, so the navigation of one role reveals nothing of another's pages.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return _to_sign_in(request)
            staff = platform_staff_for(request.user)
            if staff is None:
                raise Http404
            if not is_platform_session(request):
                return _to_sign_in(request)
            if roles and not any(staff.has_role(role) for role in roles):
                raise Http404
            request.platform_staff = staff
            response = view(request, *args, **kwargs)
            response["Cache-Control"] = PRIVATE
            return response

        wrapper.platform_roles = roles
        return wrapper

    return decorator


def _to_sign_in(request):
    return redirect(f"{reverse('platform:login')}?{urlencode({'next': request.get_full_path()})}")
