"""The rules of audit requests: 30 days' notice counted in the platform's time
zone (across a change of daylight-saving time too), and one audit per calendar
year counted by the year of the audit's date."""

import datetime as dt

import pytest
import time_machine

from audit import actions
from audit.models import AuditEvent
from compliance.audits import rules
from compliance.audits.services import AuditRequestRefused, audit_request_file
from compliance.models import AuditRequest
from compliance.tests import audits_helpers
from compliance.tests.audits_helpers import NOW, days, filed

pytestmark = pytest.mark.django_db
# The helpers' fixtures, in this module's namespace for pytest to find.
clock, dpo, package_dir = audits_helpers.clock, audits_helpers.dpo, audits_helpers.package_dir

# 00:30 on Wednesday 11 March 2026 in Paris is still 10 March in UTC; Paris moves
# to summer time on 29 March, inside the 30 days.
LATE_EVENING_UTC = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)


def test_the_notice_is_counted_in_calendar_days_of_the_privacy_time_zone(settings):
    settings.PRIVACY_TIME_ZONE = "Europe/Paris"
    assert rules.local_today(LATE_EVENING_UTC) == dt.date(2026, 3, 11)
    assert rules.earliest_date(LATE_EVENING_UTC) == dt.date(2026, 4, 10)
    assert rules.notice_refusal(dt.date(2026, 4, 10), now=LATE_EVENING_UTC) is None
    # 30 days after the UTC date, but 29 after the Paris one.
    refusal = rules.notice_refusal(dt.date(2026, 4, 9), now=LATE_EVENING_UTC)
    assert refusal.code == "notice_too_short"
    assert refusal.params == {"days": 30, "earliest": "2026-04-10"}
    settings.PRIVACY_TIME_ZONE = "UTC"
    assert rules.notice_refusal(dt.date(2026, 4, 9), now=LATE_EVENING_UTC) is None


def test_29_days_are_refused_and_30_accepted(clock, tenant_a):
    with pytest.raises(AuditRequestRefused) as refused:
        filed(tenant_a, days(29))
    assert refused.value.code == "notice_too_short"
    assert "at least 30 days' notice" in refused.value.message
    assert "April 2, 2026" in refused.value.message  # the earliest date, in words
    assert not AuditRequest.objects.for_tenant(tenant_a.tenant).exists()
    audit = filed(tenant_a, days(30))
    assert audit.state == AuditRequest.State.PROPOSED
    assert audit.proposed_date == dt.date(2026, 4, 2)


def test_the_notice_across_daylight_saving_time(tenant_a):
    with time_machine.travel(LATE_EVENING_UTC, tick=False):
        with pytest.raises(AuditRequestRefused):
            filed(tenant_a, dt.date(2026, 4, 9), now=LATE_EVENING_UTC)
        assert filed(tenant_a, dt.date(2026, 4, 10), now=LATE_EVENING_UTC).pk


def test_a_refusal_writes_only_its_audit_event(clock, tenant_a):
    with pytest.raises(AuditRequestRefused):
        filed(tenant_a, days(3))
    (event,) = AuditEvent.objects.for_tenant(tenant_a.tenant).filter(
        action__startswith="compliance."
    )
    assert event.action == actions.AUDIT_REQUEST_REFUSED
    assert event.outcome == "denied"
    assert event.actor_member_id == tenant_a.owner.pk
    assert event.metadata == {"reason_code": "notice_too_short", "step": "file",
                              "date": days(3).isoformat()}  # fmt: skip


@pytest.mark.parametrize("role", ["admin", "privacy", "agent", "viewer"])
def test_only_owners_request_audits(clock, tenant_a, role):
    with pytest.raises(AuditRequestRefused) as refused:
        audit_request_file(
            membership=tenant_a.members[role], proposed_date=days(60), scope_note="", now=NOW
        )
    assert refused.value.code == "not_allowed"
    assert refused.value.status_code == 403
    assert not AuditRequest.objects.for_tenant(tenant_a.tenant).exists()
    event = AuditEvent.objects.for_tenant(tenant_a.tenant).get(action=actions.AUDIT_REQUEST_REFUSED)
    assert event.metadata["reason_code"] == "not_allowed"


class TestOnePerCalendarYear:
    def test_an_audit_in_december_and_one_in_january_of_the_next_year(self, tenant_a, dpo):
        november = dt.datetime(2026, 11, 5, 10, 0, tzinfo=dt.UTC)
        with time_machine.travel(november, tick=False):
            from compliance.audits import services

            december = filed(tenant_a, dt.date(2026, 12, 20), now=november)
            services.audit_request_accept(staff=dpo, request=december, now=november)
            # Filed in November (and it could be December) for January: counts for 2027.
            january = filed(tenant_a, dt.date(2027, 1, 10), now=november)
        assert january.state == AuditRequest.State.PROPOSED
        with pytest.raises(AuditRequestRefused) as refused:
            filed(tenant_a, dt.date(2027, 6, 1), now=november)
        assert refused.value.code == "one_per_year"
        assert "2027 already has one" in refused.value.message

    def test_filed_in_december_for_january(self, tenant_a):
        december = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
        with time_machine.travel(december, tick=False):
            filed(tenant_a, dt.date(2027, 1, 15), now=december)
            # The year of the audit's date (2027) is taken, not the filing's (2026).
            assert filed(tenant_a, dt.date(2026, 12, 31), now=december).pk
            with pytest.raises(AuditRequestRefused):
                filed(tenant_a, dt.date(2027, 12, 31), now=december)

    def test_two_in_one_year_are_refused(self, clock, tenant_a):
        filed(tenant_a, dt.date(2026, 5, 4))
        with pytest.raises(AuditRequestRefused) as refused:
            filed(tenant_a, dt.date(2026, 11, 30))
        assert refused.value.code == "one_per_year"
        assert refused.value.refusal.params == {"year": 2026, "other": "2026-05-04"}
        assert AuditRequest.objects.for_tenant(tenant_a.tenant).count() == 1

    def test_a_cancelled_request_does_not_count(self, clock, tenant_a):
        from compliance.audits.services import audit_request_cancel

        first = filed(tenant_a, dt.date(2026, 5, 4))
        audit_request_cancel(membership=tenant_a.owner, request=first, now=NOW)
        assert filed(tenant_a, dt.date(2026, 11, 30)).pk

    def test_another_tenants_audit_does_not_count(self, clock, tenant_a, tenant_b):
        filed(tenant_a, dt.date(2026, 5, 4))
        assert filed(tenant_b, dt.date(2026, 5, 4)).pk

    def test_a_counter_proposal_moves_the_year(self, clock, tenant_a, dpo):
        from compliance.audits.services import audit_request_counter_propose

        audit = filed(tenant_a, dt.date(2026, 12, 15))
        audit_request_counter_propose(
            staff=dpo, request=audit, date=dt.date(2027, 1, 12), note="", now=NOW
        )
        # 2026 is free again; 2027 is taken by the date on the table.
        assert filed(tenant_a, dt.date(2026, 6, 1)).pk
        with pytest.raises(AuditRequestRefused):
            filed(tenant_a, dt.date(2027, 3, 1))
