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


class Content:
    """Two conversations of tenant A, X and Y, each with a message and a note
    whose words appear nowhere else: a page showing one of them shows content."""

    def __init__(self, world):
        from conversations.models import Note
        from conversations.tests.factories import ContactFactory, MessageFactory

        self.world = world
        self.tenant = world.tenant
        self.secrets = {}
        made = []
        for key in ("x", "y"):
            contact = ContactFactory(tenant=world.tenant, name=f"Contact-{key}-Zanzibar")
            message = MessageFactory(
                conversation__tenant=world.tenant,
                conversation__shop=world.shop,
                conversation__contact=contact,
                body=f"Message-{key}-ultramarine",
            )
            Note.objects.create(
                tenant=world.tenant,
                conversation=message.conversation,
                contact=contact,
                author=world.owner,
                body=f"Note-{key}-periwinkle",
            )
            made.append(message.conversation)
            self.secrets[key] = [contact.name, message.body, f"Note-{key}-periwinkle"]
        self.x, self.y = made

    @property
    def all_secrets(self) -> list[str]:
        return self.secrets["x"] + self.secrets["y"]


@pytest.fixture
def content(tenant_a) -> Content:
    return Content(tenant_a)
