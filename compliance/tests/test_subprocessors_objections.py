"""Objections to a sub-processor change: who may, until when, once; the DPO hears."""

import datetime as dt

import pytest
import time_machine

from audit import actions
from audit.models import AuditEvent
from compliance.models import SubProcessorObjection
from compliance.subprocessors import selectors
from compliance.subprocessors.emails import objection_raised_email
from compliance.subprocessors.services import objection_raise, objection_withdraw
from compliance.tests.subprocessor_helpers import NOW, announce, dpo_person
from instaply.errors import Conflict, Forbidden, Invalid
from tenants.models import Role
from tenants.scoping import TenantMismatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def change(clock):
    return announce(dpo_person())


def _raise(world, change, *, role=Role.PRIVACY, now=NOW, reason="We promised EU-only SMS."):
    return objection_raise(membership=world.members[role], change=change, reason=reason, now=now)


def test_owners_and_privacy_members_may_object(tenant_a, tenant_b, change):
    mine = _raise(tenant_a, change, role=Role.OWNER)
    theirs = _raise(tenant_b, change, role=Role.PRIVACY)
    assert mine.tenant_id == tenant_a.tenant.pk and theirs.tenant_id == tenant_b.tenant.pk
    assert mine.raised_by == tenant_a.owner


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT, Role.VIEWER])
def test_other_roles_may_not(tenant_a, change, role):
    with pytest.raises(Forbidden):
        _raise(tenant_a, change, role=role)
    assert not SubProcessorObjection.objects.for_tenant(tenant_a.tenant).exists()


def test_objections_close_on_the_date_of_effect(tenant_a, change, clock):
    last_day = dt.datetime.combine(
        change.effective_on - dt.timedelta(days=1), dt.time(23, 59), tzinfo=dt.UTC
    )
    on_the_day = dt.datetime.combine(change.effective_on, dt.time(0, 0), tzinfo=dt.UTC)
    with pytest.raises(Conflict) as refused:
        _raise(tenant_a, change, now=on_the_day)
    assert change.effective_on.isoformat() in refused.value.message
    assert _raise(tenant_a, change, now=last_day).pk


def test_one_objection_per_tenant_and_change(tenant_a, change):
    _raise(tenant_a, change)
    with pytest.raises(Conflict) as refused:
        _raise(tenant_a, change, role=Role.OWNER)
    assert "already objected" in refused.value.message
    assert SubProcessorObjection.objects.for_tenant(tenant_a.tenant).count() == 1


def test_a_reason_is_required(tenant_a, change):
    with pytest.raises(Invalid) as refused:
        _raise(tenant_a, change, reason="   ")
    assert refused.value.fields == {"reason": "required"}


def test_withdrawing_before_the_date_then_objecting_again(tenant_a, change, clock):
    objection = _raise(tenant_a, change)
    later = NOW + dt.timedelta(days=2)
    objection_withdraw(membership=tenant_a.owner, objection=objection, now=later)
    objection.refresh_from_db()
    assert objection.withdrawn_at == later
    with pytest.raises(Conflict):
        objection_withdraw(membership=tenant_a.owner, objection=objection, now=later)
    again = _raise(tenant_a, change, reason="Still no.", now=later)
    assert again.pk == objection.pk and again.withdrawn_at is None and again.reason == "Still no."


def test_withdrawing_after_the_date_of_effect_is_refused(tenant_a, change):
    objection = _raise(tenant_a, change)
    after = dt.datetime.combine(change.effective_on, dt.time(8), tzinfo=dt.UTC)
    with pytest.raises(Conflict):
        objection_withdraw(membership=tenant_a.owner, objection=objection, now=after)


def test_a_tenant_cannot_withdraw_anothers_objection(tenant_a, tenant_b, change):
    objection = _raise(tenant_a, change)
    with pytest.raises(TenantMismatch):
        objection_withdraw(membership=tenant_b.owner, objection=objection, now=NOW)


def test_each_step_is_audited_in_the_tenants_log(tenant_a, change):
    objection = _raise(tenant_a, change)
    objection_withdraw(membership=tenant_a.owner, objection=objection, now=NOW)
    events = AuditEvent.objects.for_tenant(tenant_a.tenant).filter(
        action__in=[actions.SUBPROCESSOR_OBJECTION_RAISED, actions.SUBPROCESSOR_OBJECTION_WITHDRAWN]
    )
    assert sorted(e.action for e in events) == sorted(
        [actions.SUBPROCESSOR_OBJECTION_RAISED, actions.SUBPROCESSOR_OBJECTION_WITHDRAWN]
    )
    assert all(e.metadata == {"change": str(change.pk)} for e in events)


def test_the_platform_dpo_is_emailed_once_per_objection(
    tenant_a, change, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.PROCESSOR_DPO_EMAIL = "dpo@instaply.test"
    with django_capture_on_commit_callbacks(execute=True):
        objection = _raise(tenant_a, change)
    [mail] = mailoutbox
    assert mail.to == ["dpo@instaply.test"]
    assert tenant_a.tenant.slug in mail.body
    assert f"/platform/subprocessors/changes/{change.pk}/" in mail.body
    assert "We promised" not in mail.body  # the reason stays in the console
    assert objection_raised_email(objection_id=objection.pk) is False
    assert len(mailoutbox) == 1


def test_the_console_lists_every_tenants_objection_a_tenant_only_its_own(
    tenant_a, tenant_b, change
):
    _raise(tenant_a, change, reason="Alpha says no")
    _raise(tenant_b, change, reason="Beta says no")
    listed = list(selectors.objections_for_change(change))
    assert {o.tenant_id for o in listed} == {tenant_a.tenant.pk, tenant_b.tenant.pk}
    own = selectors.objections_of_tenant(tenant_a.tenant)
    assert [o.reason for o in own.values()] == ["Alpha says no"]
