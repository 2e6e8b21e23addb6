"""A committed change of an input queues a refresh of the tenant(s) concerned;
a rolled-back one queues nothing; each tenant once per transaction."""

from unittest import mock

import pytest
from django.db import transaction

from compliance.models import SubProcessor
from compliance.records import hooks
from compliance.tests.records_helpers import subprocessor
from privacy.retention.services import retention_policy_set
from tenants.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    with (
        # Published through instaply.publish (apply_async), after commit.
        mock.patch.object(hooks.refresh_records, "apply_async") as one,
        mock.patch.object(hooks.refresh_all_records, "apply_async") as every,
    ):
        yield one, every


def tenants_queued(one):
    return [call.kwargs["args"][0] for call in one.call_args_list]


def test_a_retention_change_queues_its_tenant_on_commit(
    tenant_a, sent, django_capture_on_commit_callbacks
):
    one, _ = sent
    with django_capture_on_commit_callbacks(execute=True):
        retention_policy_set(membership=tenant_a.owner, inactive_days=365)
        assert one.call_count == 0  # not before the commit
    assert tenants_queued(one) == [str(tenant_a.tenant.pk)]


def test_several_changes_queue_the_tenant_once(tenant_a, sent, django_capture_on_commit_callbacks):
    one, _ = sent
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        retention_policy_set(membership=tenant_a.owner, inactive_days=365)
        member = tenant_a.members[Role.AGENT]
        member.role = Role.PRIVACY
        member.save(update_fields=["role"])
        tenant_a.tenant.require_2fa_for_all = True
        tenant_a.tenant.save(update_fields=["require_2fa_for_all"])
    assert tenants_queued(one) == [str(tenant_a.tenant.pk)]


def test_a_rolled_back_change_queues_nothing(tenant_a, sent, django_capture_on_commit_callbacks):
    one, _ = sent
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        retention_policy_set(membership=tenant_a.owner, inactive_days=365)
        raise RuntimeError("rolled back")
    assert one.call_count == 0
    # The next transaction starts afresh: it queues only what it changed.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        tenant_a.tenant.name = "Alpha Shoes & Co"
        tenant_a.tenant.save(update_fields=["name"])
    assert tenants_queued(one) == [str(tenant_a.tenant.pk)]


def test_fields_the_record_does_not_read_queue_nothing(
    tenant_a, sent, django_capture_on_commit_callbacks
):
    one, _ = sent
    policy = retention_policy_set(membership=tenant_a.owner, inactive_days=365)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        user = tenant_a.owner.user
        user.save(update_fields=["last_login"])  # every sign-in
        policy.last_run = {"at": "2026-01-01T00:00:00+00:00", "counts": {}}
        policy.save(update_fields=["last_run"])  # every retention run
    assert one.call_count == 0
    # What the record reads does queue (the same saves, other fields).
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        user.full_name = "Olga Owner"
        user.save(update_fields=["full_name"])
    assert tenants_queued(one) == [str(tenant_a.tenant.pk)]


def test_a_registry_change_refreshes_every_tenant(
    tenant_a, sent, django_capture_on_commit_callbacks
):
    one, every = sent
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        entry = subprocessor("twilio")
        SubProcessor.objects.filter(pk=entry.pk).update(country="US")  # no signal
        entry.retired_on = entry.since
        entry.save(update_fields=["retired_on"])
    assert every.call_count == 1 and one.call_count == 0


def test_the_refresh_runs_after_commit_and_writes_a_version(
    tenant_a, django_capture_on_commit_callbacks
):
    from compliance.models import RecordSnapshot

    with django_capture_on_commit_callbacks(execute=True):
        retention_policy_set(membership=tenant_a.owner, inactive_days=365)
    latest = RecordSnapshot.objects.for_tenant(tenant_a.tenant).order_by("-version").first()
    assert latest is not None
    assert latest.content["retention"]["inactive_days"] == 365


def test_an_analytics_opt_out_queues_its_tenant(tenant_a, sent, django_capture_on_commit_callbacks):
    from analytics.services import analytics_opt_out_set

    one, _ = sent
    with django_capture_on_commit_callbacks(execute=True):
        analytics_opt_out_set(membership=tenant_a.owner, opted_out=True)
    assert tenants_queued(one) == [str(tenant_a.tenant.pk)]
    one.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        analytics_opt_out_set(membership=tenant_a.owner, opted_out=False)
    assert tenants_queued(one) == [str(tenant_a.tenant.pk)]
