"""Publishing after commit goes through instaply/publish.py: a publish the broker
refuses is logged and left to the sweeper, never raised into the request whose
transaction committed."""

import ast
import datetime as dt
import logging
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "analytics",
    "audit",
    "backups",
    "breaches",
    "channels_sms",
    "compliance",
    "conversations",
    "instaply",
    "platform_staff",
    "privacy",
    "tenants",
    "web",
]


def _publishes_outside_the_helper() -> list[str]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or relative == Path("instaply/publish.py"):
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("delay", "apply_async")
                ):
                    found.append(f"{relative}:{node.lineno}")
    return found


def test_tasks_are_published_through_the_helper_only():
    """``task.delay(...)`` raises when the broker is down; inside an on-commit
    callback it fails a request whose work committed. Every publish goes
    through instaply.publish (publish, publish_after_commit)."""
    assert _publishes_outside_the_helper() == []


@pytest.fixture
def broker_refusing():
    """Tasks published to a port where nothing listens (Redis stopped), not run in-process."""
    from instaply.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager

    def use(url, eager):
        app.conf.broker_url, app.conf.task_always_eager = url, eager
        # Drop the cached pools so the next publish connects to ``url``.
        app._pool = None
        app.amqp._producer_pool = None

    use("redis://127.0.0.1:1/0", False)
    yield lambda: use(*saved)
    use(*saved)


@pytest.mark.django_db
def test_a_refused_publish_fails_nothing_and_the_sweeper_sends_later(
    tenant_a, settings, mailoutbox, caplog, broker_refusing, django_capture_on_commit_callbacks
):
    from compliance.models import SubProcessorObjection
    from compliance.subprocessors.services import objection_raise
    from compliance.tests.subprocessor_helpers import announce, dpo_person
    from instaply.sweeper import sweep
    from tenants.models import Role

    settings.PROCESSOR_DPO_EMAIL = "dpo@instaply.test"
    change = announce(dpo_person(), now=timezone.now())
    with (
        caplog.at_level(logging.WARNING, "instaply.publish"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        objection = objection_raise(
            membership=tenant_a.members[Role.PRIVACY],
            change=change,
            reason="We promised EU-only SMS.",
            now=timezone.now(),
        )
    assert SubProcessorObjection.objects.for_tenant(tenant_a.tenant).filter(pk=objection.pk)
    assert mailoutbox == []
    lines = [r.getMessage() for r in caplog.records if r.name == "instaply.publish"]
    assert [line for line in lines if "task=compliance.notify_subprocessor_objection" in line] == [
        f"publish failed: task=compliance.notify_subprocessor_objection ids={objection.pk} "
        "error=OperationalError; the sweeper will queue it again"
    ]
    later = timezone.now() + dt.timedelta(seconds=settings.SWEEP_GRACE_SECONDS + 1)
    assert sweep(now=later)["broker_down"] == 1  # still refused: the row waits
    broker_refusing()  # the broker is back
    assert sweep(now=later)["subprocessor_objection_emails"] == 1
    assert [m.to for m in mailoutbox].count(["dpo@instaply.test"]) == 1
