"""Platform people for the console's tests, and browsers signed in as them."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from platform_staff.console import PLATFORM_SESSION_KEY
from platform_staff.services.staff import platform_staff_create
from tenants.tests.factories import TEST_PASSWORD
from web.tests.helpers import authenticator_for


def make_platform_person(roles=("support",), *, country="FR", email=None, password=TEST_PASSWORD):
    email = email or f"{'-'.join(roles)}-{country.lower()}@platform.test"
    staff = platform_staff_create(
        email=email, roles=list(roles), country=country, full_name="Pat Platform"
    )
    if password:
        staff.user.set_password(password)
        staff.user.save(update_fields=["password"])
    return staff


def console_client(staff) -> Client:
    """A browser signed in through the console, second factor passed."""
    client = Client()
    client.force_login(staff.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(staff.user).persistent_id
    session[PLATFORM_SESSION_KEY] = True
    session.save()
    return client


def console_sign_in(client: Client, email: str, password: str = TEST_PASSWORD, **extra):
    return client.post("/platform/login/", {"username": email, "password": password}, **extra)


@pytest.fixture
def support(db):
    return make_platform_person(("support",), country="CA")


@pytest.fixture
def dpo(db):
    return make_platform_person(("dpo",))


@pytest.fixture
def security(db):
    return make_platform_person(("security",))
