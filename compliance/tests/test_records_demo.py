"""The demo tenant comes with its records of processing."""

from io import StringIO

import pytest
from django.core.management import call_command

from compliance.models import RecordSnapshot
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_a_first_snapshot_and_a_second_run_no_other():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    tenant = Tenant.objects.get(slug="demo-bakery")
    [first] = RecordSnapshot.objects.for_tenant(tenant)
    assert first.version == 1
    assert any(entry["code"] == "sms" for entry in first.content["processing"])
    assert "Records of processing: version 1" in out.getvalue()
    call_command("seed_demo", stdout=StringIO())
    assert list(RecordSnapshot.objects.for_tenant(tenant).values_list("version", flat=True)) == [1]
