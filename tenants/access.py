"""Which membership a request acts as.

Resolved from the database on every request, never cached in the session:
that is what makes revocation, role changes and deactivation immediate.
"""

from tenants.models import ApiToken, Membership

SESSION_TENANT_KEY = "instaply_tenant_id"
TENANT_HEADER = "X-Tenant"


def active_memberships(user):
    return (
        Membership.objects.filter(user=user, revoked_at__isnull=True, user__is_active=True)
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
