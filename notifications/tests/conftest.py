"""A tenant whose people have names to mention, and a widget conversation."""

import pytest

from conversations.models import Widget
from tenants.models import Role
from web.tests.conftest import start_conversation as web_start_conversation
from web.tests.helpers import verified_client

NAMES = {
    Role.OWNER: "Olivia Owner",
    Role.ADMIN: "Adam Admin",
    Role.AGENT: "Ana Agent",
    Role.VIEWER: "Vic Viewer",
    Role.PRIVACY: "Pia Privacy",
}


@pytest.fixture
def team(tenant_a):
    for role, name in NAMES.items():
        user = tenant_a.members[role].user
        user.full_name = name
        user.save(update_fields=["full_name"])
    return tenant_a


def start_conversation(world, *, body="Is my cake ready?", name="Zoé Martin"):
    widget = Widget.objects.for_tenant(world.tenant).first() or Widget.objects.create(
        tenant=world.tenant, shop=world.shop, allowed_origins=["https://shop.example"]
    )
    return web_start_conversation(world, widget, name=name, body=body)


@pytest.fixture
def conversation(team):
    return start_conversation(team)


@pytest.fixture
def page_as(team):
    return lambda role=Role.AGENT: verified_client(team.members[role].user)
