"""The distinct id: a keyed hash of the tenant under a secret of the month."""

import datetime as dt

import pytest

from analytics.models import PseudonymSecret
from analytics.pseudonyms import pseudonym, secrets_purge

pytestmark = pytest.mark.django_db

DEC = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)
JAN = dt.datetime(2027, 1, 3, 9, 30, tzinfo=dt.UTC)


def test_one_pseudonym_per_tenant_and_month_never_the_tenant_id(tenant_a, tenant_b):
    a, b = tenant_a.tenant.pk, tenant_b.tenant.pk
    december = pseudonym(a, when=DEC)
    assert december == pseudonym(a, when=DEC + dt.timedelta(days=20))
    assert december != pseudonym(b, when=DEC)
    assert december != pseudonym(a, when=JAN)
    for form in (str(a), a.hex):
        assert form not in december
    assert len(december) == 64 and int(december, 16) >= 0


def test_a_past_months_secret_is_deleted_so_its_pseudonyms_cannot_be_recomputed(tenant_a):
    december = pseudonym(tenant_a.tenant.pk, when=DEC)
    pseudonym(tenant_a.tenant.pk, when=JAN)
    # Within the grace day after the month, the secret is kept.
    assert secrets_purge(now=dt.datetime(2027, 1, 1, 12, tzinfo=dt.UTC)) == 0
    assert secrets_purge(now=JAN) == 1
    assert list(PseudonymSecret.objects.values_list("month", flat=True)) == [dt.date(2027, 1, 1)]
    # A new secret for December would be random: the old pseudonym is gone for good.
    assert pseudonym(tenant_a.tenant.pk, when=DEC) != december
