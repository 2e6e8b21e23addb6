"""The Django admin's door: platform superusers with a verified second factor.

The admin shows no tenant's personal content (see tests/test_admin_content.py),
but it is still the platform's back office, outside the customer-approved
grants that govern what platform staff may read (platform_staff/). So a platform
person reaches it only as a superuser: ``User.is_staff`` alone is never enough
for them, and every admin address, sign-in page included, answers 404 to a
platform person who is not one (or who has been deactivated), as the console
answers 404 to those it does not serve. Anyone else meets Django's rules
(is_staff, then the OTP sign-in of ``OTPAdminSite``).
"""

from functools import wraps

from django.core.exceptions import ValidationError
from django.http import Http404
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from instaply import rls


def barred(user) -> bool:
    """True for a platform person who may not use the admin."""
    return _barred_staff(user) is not None


def _barred_staff(user):
    from platform_staff.models import PlatformStaff

    if user is None or not user.is_authenticated:
        return None
    staff = PlatformStaff.objects.filter(user_id=user.pk).select_related("user").first()
    if staff is None:
        return None
    refused = not user.is_superuser or staff.deactivated_at is not None
    return staff if refused else None


def _refuse(request):
    """404, and the attempt on record like any platform refusal."""
    from platform_staff.access import platform_access_denied

    platform_access_denied(request=request, staff=_barred_staff(request.user), reason="admin")
    raise Http404


class AdminAuthenticationForm(OTPAdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if barred(user):
            # The answer any account without admin access gets: the form does
            # not tell a platform person apart.
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class PlatformAdminSite(OTPAdminSite):
    login_form = AdminAuthenticationForm

    def has_permission(self, request):
        return super().has_permission(request) and not barred(request.user)

    def admin_view(self, view, cacheable=False):
        return _refusing_barred(self._as_platform_work(super().admin_view(view, cacheable)))

    def _as_platform_work(self, view):
        """The admin lists rows of every tenant: for the one it admits, each page
        is platform work for row-level security, on record (instaply/rls.py)."""

        @wraps(view)
        def inner(request, *args, **kwargs):
            if not self.has_permission(request):
                return view(request, *args, **kwargs)  # to the sign-in page
            with rls.platform_work("the Django admin, by a platform superuser"):
                return view(request, *args, **kwargs)

        return inner

    def login(self, request, extra_context=None):
        if barred(request.user):
            _refuse(request)
        return super().login(request, extra_context)


def _refusing_barred(view):
    @wraps(view)
    def inner(request, *args, **kwargs):
        if barred(request.user):
            _refuse(request)
        return view(request, *args, **kwargs)

    return inner
