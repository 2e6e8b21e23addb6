"""bench/dsr_bench.py runs every step (seeding, package builds, erasures, the
inbox over HTTP while another process erases) in its --quick mode.

On the embedded default (SQLite) in a directory of its own, whatever database
the suite runs on: the bench writes the tenants it seeds and reuses them, which
a test must not do in a shared database. Its figures mean nothing here; the
test checks that the script runs to its report, not how fast.
"""

import os
import subprocess
import sys
from pathlib import Path

from tests.embedded_only import embedded_pass_only

ROOT = Path(__file__).resolve().parents[1]
pytestmark = embedded_pass_only


def test_the_dsr_bench_runs_its_quick_mode_to_the_report(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env |= {"INSTAPLY_VAR_DIR": str(tmp_path), "PRIVACY_PACKAGE_DIR": str(tmp_path / "packages")}
    done = subprocess.run(
        [sys.executable, "bench/dsr_bench.py", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for line in (
        "ratio large / small",
        "ratio package / raw",
        "ratio p99 erasing / idle",
        "every step ran",
    ):
        assert line in out, out
