"""The console's reporting page: counts and marks, for the DPO and security only."""

import datetime as dt

import pytest
from django.core.management import call_command

from analytics.reporting import extract
from analytics.reporting.extract import extract_run
from analytics.reporting.forget import facts_forget
from analytics.reporting.tests.support import conversation_with_reply, settled_now
from audit.models import AuditEvent
from platform_staff.tests.console_helpers import console_client, make_platform_person
from web.tests.helpers import verified_client

pytestmark = pytest.mark.django_db
URL = "/platform/reporting/"


def test_the_dpo_sees_counts_marks_and_forgotten_rows(tenant_a):
    replied = conversation_with_reply(tenant_a, reply_after=dt.timedelta(minutes=2))
    conversation_with_reply(tenant_a)
    extract_run(now=settled_now())
    facts_forget(tenant_a.tenant.pk, conversation_ids=[replied.pk])
    client = console_client(make_platform_person(("dpo",)))
    events_before = AuditEvent.objects.count()

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    page = response.content.decode()
    assert 'data-count="conversations">1<' in page
    assert 'data-count="messages">1<' in page
    assert "1 row forgotten" in page
    assert 'data-mark="changes"' in page and "0 entries" in page
    assert 'aria-current="page"' in page and tenant_a.tenant.name not in page
    assert str(tenant_a.tenant.pk) not in page
    assert AuditEvent.objects.count() == events_before


def test_before_any_extract_the_page_says_so(db):
    client = console_client(make_platform_person(("security",)))
    page = client.get(URL).content.decode()
    assert 'id="never-run"' in page


def test_support_and_tenant_members_get_a_404(tenant_a):
    assert console_client(make_platform_person(("support",))).get(URL).status_code == 404
    assert verified_client(tenant_a.owner.user).get(URL).status_code == 404


def test_the_command_shows_its_progress(tenant_a, capsys, monkeypatch):
    for _ in range(3):
        conversation_with_reply(tenant_a)
    # The command runs at the real time: rows made a moment ago are not settled.
    call_command("reporting_extract")
    assert "nothing new" in capsys.readouterr().out
    monkeypatch.setattr(extract, "SETTLE", dt.timedelta(0))
    call_command("reporting_extract", "--batch", "2")
    out = capsys.readouterr().out
    assert "conversations: " in out and "(batch 1)" in out
    assert "Done: conversations 3, messages 3." in out
