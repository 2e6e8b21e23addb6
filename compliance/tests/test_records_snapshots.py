"""Snapshots: a version per change of configuration, none otherwise, one at a time."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from compliance.models import RecordSnapshot
from compliance.records import snapshot as snapshot_module
from compliance.records.snapshot import record_hash, records_refresh
from compliance.records.tasks import refresh_all_records, refresh_records
from compliance.tests.records_helpers import provider_account, registry, sms_number
from privacy.retention.services import retention_policy_set
from tenants.services.security import tenant_security_update

pytestmark = pytest.mark.django_db


def versions(tenant):
    return list(
        RecordSnapshot.objects.for_tenant(tenant)
        .order_by("version")
        .values_list("version", flat=True)
    )


def test_a_first_refresh_writes_version_1_and_an_unchanged_one_writes_nothing(tenant_a):
    now = timezone.now()
    first = records_refresh(tenant_a.tenant.pk, now=now)
    assert first.version == 1 and first.changed == []
    assert first.content_hash == record_hash(first.content)
    # An hour later, nothing changed but the time: no new version.
    assert records_refresh(tenant_a.tenant.pk, now=now + dt.timedelta(hours=1)) is None
    assert versions(tenant_a.tenant) == [1]


def test_a_change_writes_version_2_naming_the_input(tenant_a):
    records_refresh(tenant_a.tenant.pk, now=timezone.now())
    retention_policy_set(membership=tenant_a.owner, inactive_days=365)
    second = records_refresh(tenant_a.tenant.pk, now=timezone.now())
    assert second.version == 2
    assert second.changed == ["retention"]
    assert second.content["retention"]["inactive_days"] == 365
    # The first version still says what was true then.
    first = RecordSnapshot.objects.for_tenant(tenant_a.tenant).get(version=1)
    assert first.content["retention"]["chosen_by_tenant"] is False


def test_a_vonage_number_changes_processing_subprocessors_and_transfers(tenant_a):
    registry()
    provider_account(tenant_a, "vonage")  # an account alone processes nothing yet
    records_refresh(tenant_a.tenant.pk, now=timezone.now())
    sms_number(tenant_a, "vonage", "+447700900001")
    second = records_refresh(tenant_a.tenant.pk, now=timezone.now())
    assert second.changed == ["processing", "subprocessors", "transfers"]


def test_the_2fa_flag_is_a_security_change(tenant_a):
    records_refresh(tenant_a.tenant.pk, now=timezone.now())
    tenant_security_update(actor=tenant_a.owner, require_2fa_for_all=True)
    assert records_refresh(tenant_a.tenant.pk, now=timezone.now()).changed == ["security"]


def test_the_tasks_run_twice_safely_and_fan_out(tenant_a, tenant_b):
    assert refresh_records(str(tenant_a.tenant.pk)) == 1
    assert refresh_records(str(tenant_a.tenant.pk)) is None
    assert refresh_all_records() >= 2
    assert versions(tenant_a.tenant) == [1] and versions(tenant_b.tenant) == [1]


def test_a_gone_tenant_is_nothing():
    import uuid

    assert records_refresh(uuid.uuid4(), now=timezone.now()) is None


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_give_one_version(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR NO KEY UPDATE) need PostgreSQL")
    from tenants.tests.factories import ShopFactory, TenantFactory

    tenant = TenantFactory(name="Racing Shop")
    ShopFactory(tenant=tenant)
    RecordSnapshot.objects.for_tenant(tenant).delete()  # hooks may have written one
    inside, release = threading.Event(), threading.Event()
    real_build = snapshot_module.record_of_processing
    calls = []

    def slow_first_build(tenant_arg, *, now):
        calls.append(now)
        if len(calls) == 1:
            # The first refresh holds the lock here until the second has started.
            inside.set()
            assert release.wait(10)
        return real_build(tenant_arg, now=now)

    monkeypatch.setattr(snapshot_module, "record_of_processing", slow_first_build)
    results, errors = [], []

    def refresh():
        try:
            results.append(records_refresh(tenant.pk, now=timezone.now()))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=refresh)
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=refresh)
    second.start()
    second.join(0.5)  # the second waits on the lock, not in the build
    assert len(calls) == 1
    release.set()
    first.join(10)
    second.join(10)
    assert not errors
    assert sorted(r.version for r in results if r is not None) == [1]
    assert versions(tenant) == [1]
