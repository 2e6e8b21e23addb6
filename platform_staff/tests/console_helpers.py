"""Platform people for the console's tests, and browsers signed in as them.

Each test module declares the few people it needs as its own fixtures (a
conftest here would be shared by every part of the platform app's tests)."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from platform_staff.console import PLATFORM_SESSION_KEY
from platform_staff.services.staff import platform_staff_create
from tenants.tests.factories import TEST_PASSWORD, hashed_once
from web.tests.helpers import authenticator_for


def make_platform_person(roles=("support",), *, country="FR", email=None, password=TEST_PASSWORD):
    email = email or f"{'-'.join(roles)}-{country.lower()}@platform.test"
    staff = platform_staff_create(
        email=email, roles=list(roles), country=country, full_name="Pat Platform"
    )
    if password:
        staff.user.password = hashed_once(password)  # Argon2 once per process
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
