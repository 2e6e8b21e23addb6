"""Platform people for the disclosure tests, signed in as the console would."""

from django.test import Client

from platform_staff.console import PLATFORM_SESSION_KEY
from platform_staff.models import PlatformStaff
from tenants.tests.factories import UserFactory
from web.tests.helpers import verified_client


def platform_person(*roles: str, country: str = "FR") -> PlatformStaff:
    return PlatformStaff.objects.create(
        user=UserFactory(), roles=list(roles or ("security",)), country=country
    )


def console_client(staff: PlatformStaff) -> Client:
    """A browser whose session signed in through the console and passed its second factor."""
    client = verified_client(staff.user)
    session = client.session
    session[PLATFORM_SESSION_KEY] = True
    session.save()
    return client


def security_client(country: str = "FR") -> tuple[PlatformStaff, Client]:
    staff = platform_person("security", country=country)
    return staff, console_client(staff)
