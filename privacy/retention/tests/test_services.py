"""retention_policy_set: who may change retention, within which bounds, and the
record and notice every change leaves."""

import pytest
from django.utils import translation

from audit.models import AuditEvent
from instaply.errors import Forbidden, Invalid
from privacy.retention.models import RetentionPolicy
from privacy.retention.selectors import retention_policy_for
from privacy.retention.services import is_shorter, retention_policy_set
from tenants.models import Role
from tenants.selectors_notices import notice_list
from web.notices import notice_words

pytestmark = pytest.mark.django_db

CHANGED = "retention.policy_changed"


@pytest.fixture(autouse=True)
def bounds(settings):
    settings.RETENTION_MIN_DAYS = 30
    settings.RETENTION_MAX_DAYS = 3650
    settings.RETENTION_INACTIVE_DAYS_DEFAULT = 730


def test_owners_admins_and_privacy_officers_change_it_agents_and_viewers_do_not(tenant_a):
    for role in (Role.AGENT, Role.VIEWER):
        with pytest.raises(Forbidden) as refused:
            retention_policy_set(membership=tenant_a.members[role], inactive_days=365)
        assert "cannot change how long the workspace keeps conversations" in refused.value.message
    assert not RetentionPolicy.objects.exists() and not AuditEvent.objects.filter(action=CHANGED)
    for days, role in ((400, Role.OWNER), (300, Role.ADMIN), (200, Role.PRIVACY)):
        policy = retention_policy_set(membership=tenant_a.members[role], inactive_days=days)
        assert policy.inactive_days == days and policy.updated_by == tenant_a.members[role]
    assert RetentionPolicy.objects.for_tenant(tenant_a.tenant).count() == 1


@pytest.mark.parametrize(
    "inactive, closed, field",
    [
        (29, None, "inactive_days"),
        (3651, None, "inactive_days"),
        (0, None, "inactive_days"),
        (-5, None, "inactive_days"),
        (True, None, "inactive_days"),
        ("ninety", None, "inactive_days"),
        (None, None, "inactive_days"),
        (90.5, None, "inactive_days"),
        (365, 29, "closed_days"),
        (365, 3651, "closed_days"),
        (365, 366, "closed_days"),
        (365, False, "closed_days"),
    ],
)
def test_values_outside_the_bounds_are_refused_naming_the_field(tenant_a, inactive, closed, field):
    with pytest.raises(Invalid) as refused:
        retention_policy_set(membership=tenant_a.owner, inactive_days=inactive, closed_days=closed)
    assert list(refused.value.fields) == [field]
    assert not RetentionPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action=CHANGED).exists()


def test_the_bounds_themselves_are_allowed_and_closed_may_equal_inactive(tenant_a, settings):
    retention_policy_set(membership=tenant_a.owner, inactive_days=30, closed_days=30)
    policy = retention_policy_set(membership=tenant_a.owner, inactive_days=3650, closed_days=30)
    assert (policy.inactive_days, policy.closed_days) == (3650, 30)
    settings.RETENTION_MIN_DAYS = 60  # the platform raises its minimum: checked at each change
    with pytest.raises(Invalid):
        retention_policy_set(membership=tenant_a.owner, inactive_days=3650, closed_days=30)


def test_a_change_is_audited_with_the_numbers_before_and_after(tenant_a):
    retention_policy_set(membership=tenant_a.owner, inactive_days=365)
    retention_policy_set(
        membership=tenant_a.members[Role.PRIVACY], inactive_days=90, closed_days=30
    )
    first, second = AuditEvent.objects.filter(action=CHANGED).order_by("id")
    assert first.metadata == {
        "inactive_days_before": 730,
        "inactive_days_after": 365,
        "closed_days_before": None,
        "closed_days_after": None,
        "shorter": True,
    }
    assert second.metadata["inactive_days_before"] == 365
    assert second.metadata["closed_days_after"] == 30
    assert second.actor_member_id == tenant_a.members[Role.PRIVACY].pk
    assert second.tenant_id == tenant_a.tenant.pk
    assert second.target_kind == "retention_policy"
    assert second.target_id == str(retention_policy_for(tenant_a.tenant).pk)


def test_setting_the_same_values_again_records_nothing_new(tenant_a, tenant_b):
    retention_policy_set(membership=tenant_a.owner, inactive_days=365, closed_days=90)
    retention_policy_set(membership=tenant_a.owner, inactive_days="365", closed_days="90")
    assert AuditEvent.objects.filter(action=CHANGED).count() == 1
    # A first explicit choice of the defaults is a choice: on record.
    policy = retention_policy_set(membership=tenant_b.owner, inactive_days=730)
    assert not policy._state.adding and policy.updated_by == tenant_b.owner
    assert AuditEvent.objects.filter(action=CHANGED, tenant_id=tenant_b.tenant.pk).count() == 1


def test_owners_and_privacy_officers_get_a_notice_worded_in_their_language(tenant_a, tenant_b):
    retention_policy_set(membership=tenant_a.members[Role.ADMIN], inactive_days=90, closed_days=30)
    told = {
        role: list(notice_list(membership=tenant_a.members[role]))
        for role in (Role.OWNER, Role.PRIVACY, Role.ADMIN, Role.AGENT, Role.VIEWER)
    }
    assert len(told[Role.OWNER]) == len(told[Role.PRIVACY]) == 1
    assert told[Role.ADMIN] == told[Role.AGENT] == told[Role.VIEWER] == []
    assert list(notice_list(membership=tenant_b.owner)) == []
    notice = told[Role.OWNER][0]
    assert notice.kind == "retention.changed" and notice.link == "/settings/retention/"
    words = notice_words(notice)
    assert "after 90 days (before: 730 days)" in words.text
    assert "closed ones after 30 days (before: with the others)" in words.text
    with translation.override("fr"):
        words = notice_words(notice)
    assert "90 jours" in words.text and "730 jours" in words.text


def test_is_shorter_compares_the_closed_conversations_too(tenant_a):
    policy = RetentionPolicy(tenant=tenant_a.tenant, inactive_days=365, closed_days=None)
    assert is_shorter(policy, 364, None)
    assert not is_shorter(policy, 365, None) and not is_shorter(policy, 400, None)
    assert is_shorter(policy, 365, 90)  # closed conversations go sooner now
    policy.closed_days = 90
    assert not is_shorter(policy, 365, None) and not is_shorter(policy, 365, 120)
    assert is_shorter(policy, 365, 60)
