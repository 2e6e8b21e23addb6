"""Announcing a sub-processor change: the 30-day rule, replacement, who is told."""

import datetime as dt

import pytest
import time_machine

from audit import actions
from audit.models import AuditEvent
from compliance.models import SubProcessor, SubProcessorChange, SubProcessorChangeEmail
from compliance.subprocessors import selectors
from compliance.subprocessors.emails import change_announced_email
from compliance.subprocessors.services import subprocessor_change_announce
from compliance.tests.subprocessor_helpers import NOW, announce, dpo_person, new_entry, seeded
from compliance.usage import subprocessors_in_use
from instaply.errors import Conflict, Forbidden, Invalid
from platform_staff.tests.console_helpers import make_platform_person
from tenants.models import Notice, Role
from tenants.permissions import Capability

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dpo(db):
    return dpo_person()


def test_the_date_of_effect_is_at_least_30_days_after_the_announcement(dpo, clock):
    with pytest.raises(Invalid) as refused:
        announce(dpo, effective_on=dt.date(2026, 3, 31))
    assert refused.value.fields == {"effective_on": "too soon"}
    assert "at least 30 days" in refused.value.message and "2026-04-01" in refused.value.message
    assert not SubProcessor.objects.filter(code="acme").exists()  # nothing half-written
    change = announce(dpo, effective_on=dt.date(2026, 4, 1))
    assert change.effective_on == dt.date(2026, 4, 1)
    assert change.subprocessor.since == dt.date(2026, 4, 1)


def test_the_30_days_run_from_the_announcement_not_from_a_fixed_date(dpo, clock):
    clock.move_to(NOW + dt.timedelta(days=10))
    now = NOW + dt.timedelta(days=10)
    with pytest.raises(Invalid):
        announce(dpo, now=now, effective_on=dt.date(2026, 4, 1))
    assert announce(dpo, now=now, effective_on=dt.date(2026, 4, 11)).pk


def test_only_the_platform_dpo_announces(clock):
    security = make_platform_person(("security",))
    with pytest.raises(Forbidden):
        announce(security)
    assert not SubProcessorChange.objects.exists()


def test_an_addition_enters_the_registry_on_its_date_of_effect(dpo, clock):
    change = announce(dpo)
    day = change.effective_on
    assert "acme" not in {e.code for e in selectors.registry_on(day - dt.timedelta(days=1))}
    assert "acme" in {e.code for e in selectors.registry_on(day)}
    assert [c.pk for c in selectors.changes_upcoming(NOW.date())] == [change.pk]
    assert list(selectors.changes_upcoming(day)) == []


def test_a_replacement_retires_the_old_entry_on_its_date(dpo, clock, tenant_a):
    vonage = seeded("vonage")
    change = announce(dpo, code="acme_sms", replaces=vonage)
    vonage.refresh_from_db()
    assert vonage.retired_on == change.effective_on
    day_before = change.effective_on - dt.timedelta(days=1)
    on_day_before = {e.code for e in selectors.registry_on(day_before)}
    on_the_day = {e.code for e in selectors.registry_on(change.effective_on)}
    assert "vonage" in on_day_before and "acme_sms" not in on_day_before
    assert "vonage" not in on_the_day and "acme_sms" in on_the_day
    assert [e.code for e in selectors.registry_retired(change.effective_on)] == ["vonage"]
    # The tenant's own list follows the same dates (acme_sms serves every tenant).
    before = dt.datetime.combine(day_before, dt.time(12), tzinfo=dt.UTC)
    after = dt.datetime.combine(change.effective_on, dt.time(12), tzinfo=dt.UTC)
    assert "acme_sms" not in {e.code for e in subprocessors_in_use(tenant_a.tenant, at=before)}
    assert "acme_sms" in {e.code for e in subprocessors_in_use(tenant_a.tenant, at=after)}


def test_a_replacement_needs_a_current_entry_and_cannot_replace_twice(dpo, clock):
    vonage = seeded("vonage")
    announce(dpo, code="acme_sms", replaces=vonage)
    with pytest.raises(Conflict):
        announce(dpo, code="other_sms", replaces=vonage)
    with pytest.raises(Invalid) as refused:
        subprocessor_change_announce(
            staff=dpo,
            now=NOW,
            kind="replaced",
            effective_on=dt.date(2026, 5, 1),
            note="",
            entry=new_entry("y"),
        )
    assert refused.value.fields == {"replaces": "required"}


def test_a_code_already_in_the_registry_is_refused(dpo, clock):
    with pytest.raises(Conflict) as refused:
        announce(dpo, code="twilio")
    assert refused.value.fields == {"code": "taken"}


def test_unknown_data_categories_are_refused(dpo, clock):
    with pytest.raises(Invalid) as refused:
        announce(dpo, data_categories=["message_content", "horoscopes"])
    assert refused.value.fields == {"data_categories": "invalid"}


def test_the_announcement_is_audited_with_codes_only(dpo, clock, tenant_a, tenant_b):
    change = announce(dpo, replaces=seeded("vonage"))
    [event] = AuditEvent.objects.dangerously_unscoped(reason="test").filter(
        action=actions.SUBPROCESSOR_CHANGE_ANNOUNCED
    )
    assert event.target_id == str(change.pk)
    assert event.metadata["code"] == "acme" and event.metadata["replaces"] == "vonage"
    assert event.metadata["kind"] == "replaced" and event.metadata["tenants"] == 2
    assert "Cheaper" not in str(event.metadata)


def test_every_tenant_gets_a_notice_for_its_owners_and_privacy_members(
    dpo, clock, tenant_a, tenant_b
):
    change = announce(dpo)
    notices = Notice.objects.dangerously_unscoped(reason="test: one per tenant").filter(
        kind="subprocessor.change_announced"
    )
    assert {n.tenant_id for n in notices} == {tenant_a.tenant.pk, tenant_b.tenant.pk}
    for notice in notices:
        assert notice.capability == Capability.SUBPROCESSOR_OBJECT
        assert notice.link == "/settings/subprocessors/"
        assert notice.params["effective_on"] == change.effective_on.isoformat()
        assert notice.params["change"] == str(change.pk)


def test_owners_and_privacy_members_of_every_tenant_are_emailed_and_nobody_else(
    dpo, clock, tenant_a, tenant_b, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change = announce(dpo)
    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    expected = sorted(
        world.members[role].user.email
        for world in (tenant_a, tenant_b)
        for role in (Role.OWNER, Role.PRIVACY)
    )
    assert recipients == expected
    for world in (tenant_a, tenant_b):
        for role in (Role.ADMIN, Role.AGENT, Role.VIEWER):
            assert world.members[role].user.email not in recipients
    assert all(change.effective_on.isoformat() in mail.body for mail in mailoutbox)
    assert all("/settings/subprocessors/" in mail.body for mail in mailoutbox)
    marks = SubProcessorChangeEmail.objects.dangerously_unscoped(reason="test")
    assert {m.tenant_id for m in marks if m.emailed_at} == {tenant_a.tenant.pk, tenant_b.tenant.pk}


def test_the_email_task_sends_once(dpo, clock, tenant_a, mailoutbox):
    change = announce(dpo)  # on-commit callbacks not run: no task yet
    assert mailoutbox == []
    assert change_announced_email(change_id=change.pk, tenant_id=tenant_a.tenant.pk) is True
    sent = len(mailoutbox)
    assert sent == 2  # the owner and the privacy member
    assert change_announced_email(change_id=change.pk, tenant_id=tenant_a.tenant.pk) is False
    assert len(mailoutbox) == sent


def test_a_revoked_owner_is_not_emailed(dpo, clock, tenant_a, mailoutbox):
    from django.utils import timezone

    owner = tenant_a.owner
    owner.revoked_at = timezone.now()
    owner.save(update_fields=["revoked_at"])
    change = announce(dpo)
    change_announced_email(change_id=change.pk, tenant_id=tenant_a.tenant.pk)
    assert [m.to for m in mailoutbox] == [[tenant_a.members[Role.PRIVACY].user.email]]


def test_the_email_is_in_the_readers_language(dpo, clock, tenant_a, mailoutbox):
    privacy = tenant_a.members[Role.PRIVACY].user
    privacy.language = "fr"
    privacy.save(update_fields=["language"])
    change = announce(dpo)
    change_announced_email(change_id=change.pk, tenant_id=tenant_a.tenant.pk)
    [french] = [m for m in mailoutbox if m.to == [privacy.email]]
    assert "sous-traitant" in french.subject.lower()
