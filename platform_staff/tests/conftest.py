"""Platform people for tests: a support person signed in through the console,
and a tenant with conversations whose content must stay out of sight."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from platform_staff.console import PLATFORM_SESSION_KEY
from platform_staff.models import PlatformStaff
from tenants.tests.factories import UserFactory
from web.tests.helpers import authenticator_for


def make_staff(*, roles=("support",), country="FR", **user) -> PlatformStaff:
    return PlatformStaff.objects.create(
        user=UserFactory(**user), roles=list(roles), country=country
    )


def console_client(staff: PlatformStaff) -> Client:
    """A browser whose session signed in through the console and passed the
    second factor, as the console's sign-in leaves it."""
    client = Client()
    client.force_login(staff.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(staff.user).persistent_id
    session[PLATFORM_SESSION_KEY] = True
    session.save()
    return client


@pytest.fixture
def support(db) -> PlatformStaff:
    return make_staff(roles=("support",), country="FR")


@pytest.fixture
def support_client(support) -> Client:
    return console_client(support)


@pytest.fixture
def other_support(db) -> PlatformStaff:
    return make_staff(roles=("support",), country="US")
