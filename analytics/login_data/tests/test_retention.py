"""Login data past LOGIN_DATA_RETENTION_DAYS goes, in batches, audited once."""

import datetime as dt

import pytest
from django.utils import timezone

from analytics.login_data.models import LoginSession
from analytics.login_data.retention import login_data_purge
from audit import actions
from audit.models import AuditEvent
from tenants.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_sessions_past_retention_are_purged_and_the_run_audited(settings):
    settings.LOGIN_DATA_RETENTION_DAYS = 30
    now = timezone.now()
    person = UserFactory()
    old = [
        LoginSession.objects.create(user=person, last_active_at=now - dt.timedelta(days=31 + i))
        for i in range(3)
    ]
    kept = LoginSession.objects.create(user=person, last_active_at=now - dt.timedelta(days=29))
    assert login_data_purge(now=now, batch_size=2) == 3
    assert list(LoginSession.objects.all()) == [kept]
    assert not LoginSession.objects.filter(pk__in=[row.pk for row in old]).exists()
    event = AuditEvent.objects.get(action=actions.LOGIN_DATA_PURGED)
    assert event.metadata == {"sessions": 3, "days": 30}
    assert login_data_purge(now=now) == 0  # a second run finds nothing more


def test_the_daily_schedule_runs_the_purge(settings):
    from analytics.login_data.tasks import purge

    assert settings.CELERY_BEAT_SCHEDULE["login_data.purge"]["task"] == purge.name
    assert purge.delay().get() == 0
