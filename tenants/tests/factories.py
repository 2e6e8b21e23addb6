import functools

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password

from tenants.demo import DEMO_HOURS
from tenants.models import Membership, Role, Shop, Tenant, User

TEST_PASSWORD = "correct horse battery staple"


def hashed_once(raw: str) -> str:
    """A real hash of ``raw`` under the configured hashers, computed once per
    test process: Argon2 costs a fifth of a second a hash, and a TenantWorld
    makes five people (sign-ins still verify against it for real)."""
    return _hash(raw, tuple(settings.PASSWORD_HASHERS))


@functools.cache
def _hash(raw: str, hashers: tuple) -> str:
    return make_password(raw)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@staff.example")
    full_name = factory.Sequence(lambda n: f"Staff Person {n}")
    password = factory.django.Password(TEST_PASSWORD, transform=hashed_once)


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Shop {n}")
    time_zone = "Europe/Paris"
    business_hours = DEMO_HOURS


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.AGENT
