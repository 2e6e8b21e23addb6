"""manage.py apply_retention: progress while it runs, the counts at the end,
--dry-run, --all, and a clear error for a tenant that does not exist."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit import actions
from audit.models import AuditEvent
from conversations.models import Conversation
from privacy.retention.tests.support import set_policy

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def due(history):
    set_policy(history.tenant, 90)
    held = history.contact()
    history.conversation(120, contact=held)
    history.hold(held)
    return [history.conversation(100, messages=3) for _ in range(3)]


def test_it_prints_progress_per_kind_and_the_counts(history, due):
    output = run("--tenant", history.tenant.slug, "--batch-size", "2")

    lines = output.splitlines()
    assert lines[0] == f"Applying the retention of {history.tenant.slug}..."
    assert "  conversations: 2/3" in lines and "  conversations: 3/3" in lines
    assert "  messages: 9/9" in lines
    assert "  contacts crypto-shredded: 3/3" in lines
    done = lines.index("Done. Deleted:")
    summary = [line.split() for line in lines[done + 1 : done + 8]]
    assert summary[0] == ["conversations", "3"]
    assert summary[1] == ["messages", "9"]
    assert summary[2] == ["contacts", "crypto-shredded", "3"]
    assert lines[-1] == "Kept under a legal hold: 1 conversations."
    assert not Conversation.objects.filter(pk__in=[c.pk for c in due]).exists()
    assert AuditEvent.objects.filter(action=actions.RETENTION_APPLIED).count() == 1


def test_a_dry_run_prints_what_would_go_and_deletes_nothing(history, due):
    output = run("--tenant", history.tenant.slug, "--dry-run")

    assert "dry run" in output.splitlines()[0]
    assert "Done" not in output and "/" not in output
    assert ["conversations", "3"] in [line.split() for line in output.splitlines()]
    assert Conversation.objects.filter(pk__in=[c.pk for c in due]).count() == 3
    assert not AuditEvent.objects.filter(action=actions.RETENTION_APPLIED).exists()


def test_all_runs_every_tenant(history, history_b, due):
    history_b.conversation(1000)
    output = run("--all")
    assert f"Applying the retention of {history.tenant.slug}..." in output
    assert f"Applying the retention of {history_b.tenant.slug}..." in output
    assert AuditEvent.objects.filter(action=actions.RETENTION_APPLIED).count() == 2
    assert not Conversation.objects.filter(tenant=history_b.tenant).exists()


def test_an_unknown_tenant_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No tenant with slug 'nobody'"):
        run("--tenant", "nobody")
    with pytest.raises(CommandError):
        run()  # --tenant or --all
