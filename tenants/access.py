"""Which membership a request acts as.

Resolved from the database on every request, never cached in the session:
that is what makes revocation, role changes and deactivation immediate.
"""

from django.db.models import Q
from django_otp import user_has_device

from tenants.models import ApiToken, Membership, Role

SESSION_TENANT_KEY = "instaply_tenant_id"
TENANT_HEADER = "X-Tenant"

# Roles that hold the keys to staff, privacy requests or audit exports.
TWO_FACTOR_ROLES = (Role.OWNER, Role.ADMIN, Role.PRIVACY)
TWO_FACTOR_VERIFY = "verify"  # has an authenticator: must enter a code
TWO_FACTOR_ENROL = "enrol"  # must set one up first


def active_memberships(user):
    return (
        Membership.objects.dangerously_unscoped(reason="the workspaces a person belongs to")
        .filter(user=user, revoked_at__isnull=True, user__is_active=True)
        .select_related("tenant", "user")
        .order_by("created_at")
    )


def membership_for_request(request) -> Membership | None:
    """An API token names its membership; a session names a tenant (header, then
    the tenant chosen in the session, then the person's first tenant)."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken):
        return auth.membership
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = active_memberships(user)
    slug = request.headers.get(TENANT_HEADER)
    if slug:
        return memberships.filter(tenant__slug=slug).first()
    chosen = request.session.get(SESSION_TENANT_KEY)
    if chosen:
        return memberships.filter(tenant_id=chosen).first()
    return memberships.first()


def choose_tenant(request, membership: Membership) -> None:
    request.session[SESSION_TENANT_KEY] = str(membership.tenant_id)


def two_factor_required(user) -> bool:
    """True for platform staff (always), and when one of the person's active
    memberships demands a second factor."""
    from platform_staff.models import PlatformStaff  # the platform app builds on tenants

    if PlatformStaff.objects.filter(user=user).exists():
        return True
    return (
        active_memberships(user)
        .filter(Q(role__in=TWO_FACTOR_ROLES) | Q(tenant__require_2fa_for_all=True))
        .exists()
    )


def two_factor_pending(request) -> str | None:
    """What stands between a session and acting as a member: None, VERIFY or ENROL.

    An API token is its own credential and is never asked for a code. A person
    with an authenticator always verifies, whether or not their role requires it.
    """
    if isinstance(getattr(request, "auth", None), ApiToken):
        return None
    user = request.user
    if not user.is_authenticated:
        return None
    # is_verified() is installed by django_otp's OTPMiddleware; without it nobody is verified.
    if getattr(user, "is_verified", lambda: False)():
        return None
    if user_has_device(user, confirmed=True):
        return TWO_FACTOR_VERIFY
    if two_factor_required(user):
        return TWO_FACTOR_ENROL
    return None
