"""Making, changing and deactivating platform people.

Platform staff are outsiders to every tenant (DESIGN.md, rule 12): an account
that belongs to a workspace, even through a revoked membership, never becomes
platform staff, and tenants.services.members refuses the reverse. A new person
has no password until they follow their one-time enrolment link
(platform_staff.enrolment), where they also set up their authenticator.
"""

from django.db import transaction
from django.utils import timezone

from audit.recorder import Actor, record
from instaply.errors import Conflict, Invalid
from platform_staff.countries import normalise_country
from platform_staff.models import PlatformRole, PlatformStaff
from tenants.models import Membership, User
from tenants.models.access import EMAIL_MAX_LENGTH


def _clean_roles(roles) -> list[str]:
    cleaned = sorted({(role or "").strip().lower() for role in roles} - {""})
    unknown = [role for role in cleaned if role not in PlatformRole.values]
    if unknown or not cleaned:
        raise Invalid(
            "Give at least one platform role.",
            fields={"roles": [f"Choose among {', '.join(PlatformRole.values)}."]},
            code="invalid_roles",
        )
    return cleaned


def _clean_country(raw: str) -> str:
    try:
        return normalise_country(raw)
    except ValueError as exc:
        raise Invalid(str(exc), fields={"country": [str(exc)]}, code="invalid_country") from None


def _has_membership(user: User) -> bool:
    return (
        Membership.objects.dangerously_unscoped(reason="platform staff may belong to no tenant")
        .filter(user=user)
        .exists()
    )


@transaction.atomic
def platform_staff_create(
    *, email: str, roles, country: str, full_name: str = "", actor=None
) -> PlatformStaff:
    """A new platform person, without a password yet (set through enrolment)."""
    email = (email or "").strip().lower()
    if not email or "@" not in email or len(email) > EMAIL_MAX_LENGTH:
        raise Invalid("Give a valid email address.", code="invalid_email")
    roles = _clean_roles(roles)
    country = _clean_country(country)
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is not None:
        if PlatformStaff.objects.filter(user=user).exists():
            raise Conflict("This person is already platform staff.", code="already_platform_staff")
        if _has_membership(user):
            raise Conflict(
                "This account belongs to a workspace. Platform staff are outsiders to every "
                "tenant: use a separate account.",
                code="tenant_member",
            )
        # An existing account of no workspace (a platform superuser, say) keeps its
        # password and flags; its enrolment link replaces the password.
    else:
        user = User.objects.create_user(email, None, full_name=full_name.strip(), is_staff=False)
    staff = PlatformStaff.objects.create(user=user, roles=roles, country=country)
    record(
        "platform.staff_created",
        actor=actor or Actor.system("create_platform_staff"),
        target=("platform_staff", staff.pk),
        metadata={"roles": roles, "country": country, "transfer": staff.transfer},
    )
    return staff


@transaction.atomic
def platform_staff_change(
    *, staff: PlatformStaff, roles=None, country: str | None = None, actor=None
) -> PlatformStaff:
    """Changes a person's roles and/or country; takes effect on their next request."""
    staff = PlatformStaff.objects.select_for_update().get(pk=staff.pk)
    changed = []
    if roles is not None:
        staff.roles = _clean_roles(roles)
        changed.append("roles")
    if country is not None:
        staff.country = _clean_country(country)
        changed.append("country")
    if not changed:
        return staff
    staff.save(update_fields=changed)
    record(
        "platform.staff_changed",
        actor=actor or Actor.system("platform_staff_change"),
        target=("platform_staff", staff.pk),
        metadata={"roles": staff.roles, "country": staff.country, "changed": changed},
    )
    return staff


@transaction.atomic
def platform_staff_deactivate(*, staff: PlatformStaff, actor=None) -> PlatformStaff:
    """Ends a person's access at once: the console reads the row on every request."""
    staff = PlatformStaff.objects.select_for_update().get(pk=staff.pk)
    if staff.deactivated_at is not None:
        return staff
    staff.deactivated_at = timezone.now()
    staff.save(update_fields=["deactivated_at"])
    record(
        "platform.staff_deactivated",
        actor=actor or Actor.system("platform_staff_deactivate"),
        target=("platform_staff", staff.pk),
        metadata={"roles": staff.roles},
    )
    return staff


def platform_staff_exists(user) -> bool:
    """Any platform row, active or not: such an account never joins a tenant."""
    return PlatformStaff.objects.filter(user=user).exists()
