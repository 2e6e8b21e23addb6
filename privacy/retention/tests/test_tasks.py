"""The daily task: in the beat schedule (celery beat, and the embedded beat of
the default setup), one run per tenant, safe to run twice."""

import pytest
from django.conf import settings

from audit import actions
from audit.models import AuditEvent
from conversations.models import Conversation
from instaply.embedded_beat import EmbeddedBeat
from privacy.retention import tasks
from privacy.retention.tests.support import set_policy

pytestmark = pytest.mark.django_db


def test_the_daily_run_is_in_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["retention.apply_all"]
    assert entry == {"task": "retention.apply_all", "schedule": 24 * 3600}
    # Long work goes to the low-priority queue, beside erasures.
    assert settings.CELERY_TASK_ROUTES["retention.apply_tenant"] == {"queue": "dsr"}
    # The embedded default's beat reads the same schedule and knows the task.
    beat = EmbeddedBeat(settings.CELERY_BEAT_SCHEDULE)
    names = {e.name: e.task for e in beat.entries}
    assert names["retention.apply_all"] == "retention.apply_all"
    assert "retention.apply_all" in beat.app.tasks
    assert "retention.apply_tenant" in beat.app.tasks


def test_the_daily_task_runs_each_tenant_once(history, history_b):
    set_policy(history.tenant, 90)
    ours = history.conversation(100)
    theirs = history_b.conversation(1000)
    recent = history_b.conversation(10)

    assert tasks.apply_all.delay().get() >= 2

    assert not Conversation.objects.filter(pk__in=[ours.pk, theirs.pk]).exists()
    assert Conversation.objects.filter(pk=recent.pk).exists()
    events = AuditEvent.objects.filter(action=actions.RETENTION_APPLIED)
    per_tenant = {e.tenant_id: e.metadata["conversations"] for e in events}
    assert per_tenant[history.tenant.pk] == per_tenant[history_b.tenant.pk] == 1
    assert events.filter(tenant=history.tenant).count() == 1


def test_the_tenant_task_takes_an_id_and_can_run_twice(history):
    set_policy(history.tenant, 90)
    history.conversation(100)
    tenant_id = str(history.tenant.pk)

    first = tasks.apply_tenant.delay(tenant_id).get()
    second = tasks.apply_tenant.delay(tenant_id).get()

    assert first["conversations"] == 1 and first["contacts"] == 1
    assert set(second.values()) == {0}
    assert tasks.apply_tenant.delay("018f0000-0000-7000-8000-000000000000").get() == {}
