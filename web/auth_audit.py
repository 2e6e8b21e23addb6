"""Every sign-in attempt, lockout and sign-out becomes an audit event.

Driven by Django's auth signals and django-axes' lockout signal, so any way of
signing in (the sign-in page, accepting an invitation, the admin) is recorded
the same way. Connected in ``WebConfig.ready``.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.recorder import Actor, record
from platform_staff.models import PlatformStaff
from tenants.access import active_memberships
from tenants.models import Role, User
from web.login_security import account_hash

# Logins by these roles carry the roles, for the "new IP for an owner or admin" alert.
ALERTED_ROLES = {Role.OWNER, Role.ADMIN}


def _user_target(user) -> tuple[str, object]:
    return ("user", user.pk)


@receiver(user_logged_in, dispatch_uid="instaply.audit.login_succeeded")
def login_succeeded(sender, request, user, **kwargs):
    memberships = list(active_memberships(user))
    roles = sorted({m.role for m in memberships})
    metadata = {"tenants": len(memberships)}
    if ALERTED_ROLES & set(roles):
        metadata["roles"] = roles
    if PlatformStaff.objects.filter(user=user).exists():
        metadata["platform"] = True  # a console sign-in (platform.signed_in follows the code)
    record(
        "auth.login.succeeded",
        request=request,
        actor=Actor.user(user),
        target=_user_target(user),
        metadata=metadata,
    )


@receiver(user_login_failed, dispatch_uid="instaply.audit.login_failed")
def login_failed(sender, credentials, request=None, **kwargs):
    typed = credentials.get("username") or credentials.get(User.USERNAME_FIELD)
    user = User.objects.filter(email__iexact=(typed or "").strip()).first() if typed else None
    record(
        "auth.login.failed",
        outcome="failure",
        request=request,
        actor=Actor.anonymous(),
        target=_user_target(user) if user else None,
        # The typed email never enters the audit log: a keyed hash lets the events of
        # one account be grouped without saying which address was typed.
        metadata={
            "account_hash": account_hash(typed),
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
        },
    )


@receiver(user_locked_out, dispatch_uid="instaply.audit.locked_out")
def locked_out(sender, request, username, ip_address, **kwargs):
    # ``username`` is already the account hash (AXES_USERNAME_CALLABLE).
    record(
        "auth.login.locked_out",
        outcome="denied",
        request=request,
        actor=Actor.anonymous(),
        metadata={
            "account_hash": username,
            "failures": getattr(request, "axes_failures_since_start", None),
        },
    )


@receiver(user_logged_out, dispatch_uid="instaply.audit.logout")
def logged_out(sender, request, user, **kwargs):
    if user is None:
        return  # nobody was signed in: nothing happened
    record(
        "auth.logout",
        request=request,
        actor=Actor.user(user),
        target=_user_target(user),
        metadata={"reason": getattr(request, "logout_reason", "user")},
    )
