"""Signing people in from tests, second factor included.

Owners, admins and privacy officers must pass a second factor before any page
or session API call; tests of those pages use ``verified_client``. Tests of the
sign-in itself drive the real pages with ``sign_in`` and ``current_code``.
"""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.tests.factories import TEST_PASSWORD


def authenticator_for(user) -> TOTPDevice:
    """The person's confirmed authenticator, created when missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """What the authenticator app shows now (under time_machine: at the travelled time)."""
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


def sign_in(client: Client, user, *, password: str = TEST_PASSWORD, **extra):
    """Posts the sign-in form; ``extra`` may carry e.g. REMOTE_ADDR."""
    return client.post("/login/", {"username": user.email, "password": password}, **extra)


def verified_client(user) -> Client:
    """A browser signed in as ``user`` whose session has passed the second factor."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
    session.save()
    return client


def wrong_code(device: TOTPDevice) -> str:
    """A well-formed code the device refuses now (none of the steps it tolerates)."""
    accepted = {
        totp(device.bin_key, step=device.step, digits=device.digits, drift=drift)
        for drift in range(-device.tolerance, device.tolerance + 1)
    }
    return next(f"{n:06d}" for n in range(10**6) if n not in accepted)
