"""The DPO's versions: what a draft must hold (each refusal names its field),
that a published version never changes, that no version takes effect
retroactively, that only the DPO writes them, and that each write is audited."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from instaply.errors import Conflict, Forbidden, Invalid
from platform_staff.tests.console_helpers import make_platform_person
from privacy.policies.models import PolicyVersion
from privacy.policies.selectors import version_in_force
from privacy.policies.services import (
    policy_version_create,
    policy_version_publish,
    policy_version_update,
)
from privacy.policies.tests.conftest import MONDAY
from privacy.policies.tests.helpers import SERVICE, TEXTS, draft, published

pytestmark = pytest.mark.django_db
TOMORROW = MONDAY + dt.timedelta(days=1)


def _refusal(call, **kwargs) -> dict:
    with pytest.raises(Invalid) as refused:
        call(**kwargs)
    return refused.value.fields


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"version": ""}, "version", "required"),
        ({"version": "x" * 33}, "version", "too long"),
        ({"version": "v 2/../x"}, "version", "malformed"),
        ({"effective_at": ""}, "effective_at", "required"),
        ({"effective_at": "next monday"}, "effective_at", "required"),
        ({"effective_at": MONDAY - dt.timedelta(seconds=1)}, "effective_at", "in the past"),
        ({"text_en": "  "}, "text_en", "required"),
        ({"text_fr": ""}, "text_fr", "required"),
        ({"summary_en": "Only in English"}, "summary_fr", "missing translation"),
        ({"service_message_fr": "Seulement en français"}, "service_message_en", "missing translation"),
        ({"summary_en": "x" * 501, "summary_fr": "y"}, "summary_en", "too long"),
        ({"service_message_en": "ç" * 200, "service_message_fr": "ok"}, "service_message_en",
         "too long for the channel"),
    ],
)  # fmt: skip
def test_a_draft_is_refused_with_its_field_and_reason(dpo, clock, settings, changes, field, code):
    settings.SMS_MAX_SEGMENTS = 2  # 200 characters outside GSM-7 need 3
    data = {"version": "2026-04", "effective_at": TOMORROW, **TEXTS, **changes}
    assert _refusal(policy_version_create, staff=dpo, **data) == {field: code}
    assert not PolicyVersion.objects.exists()


def test_labels_are_unique(dpo, clock):
    draft(dpo, "2026-04", TOMORROW)
    assert _refusal(
        policy_version_create, staff=dpo, version="2026-04", effective_at=TOMORROW, **TEXTS
    ) == {"version": "taken"}


def test_a_naive_time_is_read_in_the_platform_time_zone(dpo, clock, settings):
    settings.PRIVACY_TIME_ZONE = "Europe/Paris"
    version = draft(dpo, "2026-04", "2026-03-03T00:00")
    assert version.effective_at == dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC)


def test_a_version_cannot_take_effect_before_the_latest_published(dpo, clock):
    published(dpo, "2026-04", MONDAY + dt.timedelta(days=10), now=MONDAY)
    assert _refusal(
        policy_version_create,
        staff=dpo,
        version="2026-05",
        effective_at=MONDAY + dt.timedelta(days=5),
        **TEXTS,
    ) == {"effective_at": "not after the latest"}


def test_only_the_dpo_writes_versions(clock):
    for roles in (("support",), ("security",)):
        staff = make_platform_person(roles)
        with pytest.raises(Forbidden):
            policy_version_create(staff=staff, version="x", effective_at=TOMORROW, **TEXTS)
    dpo = make_platform_person(("dpo",), email="dpo@platform.test")
    version = draft(dpo, "2026-04", TOMORROW)
    support = make_platform_person(("support",), email="s2@platform.test")
    with pytest.raises(Forbidden):
        policy_version_publish(staff=support, policy_version=version)
    dpo.deactivated_at = MONDAY
    dpo.save(update_fields=["deactivated_at"])
    with pytest.raises(Forbidden):
        policy_version_publish(staff=dpo, policy_version=version)


def test_a_draft_is_corrected_and_every_write_is_audited(dpo, clock):
    version = draft(dpo, "2026-04", TOMORROW, **SERVICE)
    policy_version_update(
        staff=dpo, policy_version=version, text_en="A better text.", version="2026-04b"
    )
    version.refresh_from_db()
    assert (version.version, version.text_en) == ("2026-04b", "A better text.")
    policy_version_publish(staff=dpo, policy_version=version)
    events = list(AuditEvent.objects.filter(target_kind="policy_version").order_by("created_at"))
    assert [e.action for e in events] == [
        "policy.version_created",
        "policy.version_updated",
        "policy.version_published",
    ]
    assert {(e.tenant_id, e.actor_kind, e.actor_id) for e in events} == {
        (None, "platform_staff", str(dpo.user.pk))
    }
    assert events[1].metadata["fields"] == ["text_en", "version"]
    assert events[2].metadata["version"] == "2026-04b"
    # The texts themselves stay out of the audit log.
    assert not any("better" in str(e.metadata) for e in events)


def test_a_published_version_never_changes(dpo, clock):
    version = published(dpo, "2026-04", TOMORROW, now=MONDAY)
    with pytest.raises(Conflict) as refused:
        policy_version_update(staff=dpo, policy_version=version, text_en="Rewritten history.")
    assert refused.value.code == "published"
    with pytest.raises(Conflict):
        policy_version_publish(staff=dpo, policy_version=version)
    version.refresh_from_db()
    assert version.text_en == TEXTS["text_en"]


def test_a_draft_whose_date_passed_is_not_published(dpo, clock):
    version = draft(dpo, "2026-04", MONDAY + dt.timedelta(hours=1))
    clock.move_to(MONDAY + dt.timedelta(hours=2))
    assert _refusal(policy_version_publish, staff=dpo, policy_version=version) == {
        "effective_at": "in the past"
    }
    version.refresh_from_db()
    assert version.published_at is None
    policy_version_update(
        staff=dpo, policy_version=version, effective_at=MONDAY + dt.timedelta(hours=3)
    )
    policy_version_publish(staff=dpo, policy_version=version)


def test_publishing_drops_the_cache_after_commit(dpo, clock, django_capture_on_commit_callbacks):
    version = draft(dpo, "2026-04", MONDAY)
    assert version_in_force() == ""  # cached: no version
    with django_capture_on_commit_callbacks(execute=True):
        policy_version_publish(staff=dpo, policy_version=version)
    assert version_in_force() == "2026-04"
