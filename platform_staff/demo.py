"""Demo platform people for development: one per platform role, stable logins.

As for the demo tenants' people (tenants/demo.py), passwords and TOTP secrets
derive from this checkout's SECRET_KEY. Support works from Canada so the demo
shows a transfer (outside the EU); the DPO and security work from France.
"""

from django.conf import settings
from django.db import transaction

from audit.recorder import Actor
from platform_staff.models import PlatformRole, PlatformStaff
from platform_staff.services.staff import platform_staff_change, platform_staff_create
from tenants.demo import demo_authenticator_ensure, demo_password

DEMO_DOMAIN = "platform.demo"
DEMO_ACTOR = Actor.system("seed_demo")
DEMO_PEOPLE = (
    (PlatformRole.SUPPORT, "CA", "Demo Support"),
    (PlatformRole.DPO, "FR", "Demo DPO"),
    (PlatformRole.SECURITY, "FR", "Demo Security"),
)


@transaction.atomic
def demo_platform_staff_ensure() -> dict:
    """Creates (or brings back to its seeded state) one platform person per role."""
    people = {}
    for role, country, name in DEMO_PEOPLE:
        email = f"{role.value}@{DEMO_DOMAIN}"
        password = demo_password(email)
        staff = PlatformStaff.objects.select_related("user").filter(user__email=email).first()
        if staff is None:
            staff = platform_staff_create(
                email=email, roles=[role], country=country, full_name=name, actor=DEMO_ACTOR
            )
        elif staff.roles != [role.value] or staff.country != country:
            staff = platform_staff_change(
                staff=staff, roles=[role], country=country, actor=DEMO_ACTOR
            )
        if staff.deactivated_at is not None:
            staff.deactivated_at = None  # the demo person comes back as seeded
            staff.save(update_fields=["deactivated_at"])
        user = staff.user
        if not user.check_password(password) or not user.is_active:
            user.set_password(password)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        people[role.value] = {
            "staff": staff,
            "email": email,
            "password": password,
            "country": country,
            # Development only, as for tenants: a known secret is a demo convenience.
            "totp_secret": (
                demo_authenticator_ensure(user=user)
                if settings.ENVIRONMENT == "development"
                else None
            ),
        }
    return people
