"""The recorder, which every app calls, depends on nothing above it: the alert
rules listen to it (registered in audit.apps), it never imports them."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from audit import recorder
from audit.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
ABOVE_THE_RECORDER = ("audit.alerts", "audit.rules", "audit.tasks")


def test_the_recorder_source_imports_nothing_above_it():
    names = set()
    for node in ast.walk(ast.parse(Path(recorder.__file__).read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    assert sorted(n for n in names if n.startswith(ABOVE_THE_RECORDER)) == []


IMPORT_THE_RECORDER = """
import sys
import django
django.setup()
import audit.recorder
print(" ".join(sorted(name for name in sys.modules if name.startswith("audit."))))
"""


def test_importing_the_recorder_loads_neither_alerts_nor_rules():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_THE_RECORDER],
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "instaply.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    loaded = result.stdout.split()
    assert "audit.recorder" in loaded
    assert [name for name in loaded if name.startswith(ABOVE_THE_RECORDER)] == []


@pytest.mark.django_db
def test_a_watched_event_still_reaches_the_rules(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        recorder.record("auth.login.failed", outcome="failure", target=("user", "1"))
    with django_capture_on_commit_callbacks() as unwatched:
        recorder.record("token.created", target=("api_token", "1"))
    assert len(queued) == 1 and unwatched == []
    assert AuditEvent.objects.filter(action="auth.login.failed").exists()
