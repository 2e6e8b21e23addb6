"""bench/retention_bench.py runs every step (seeding with COPY or bulk inserts,
runs in both tenants with the dry run checked against them, the inbox over HTTP
while another process applies retention) in its --quick mode.

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


def test_the_retention_bench_runs_its_quick_mode_to_the_report(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env |= {"INSTAPLY_VAR_DIR": str(tmp_path), "PRIVACY_PACKAGE_DIR": str(tmp_path / "packages")}
    done = subprocess.run(
        [sys.executable, "bench/retention_bench.py", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for line in ("ratio large / small", "ratio p99 deleting / idle", "every step ran"):
        assert line in out, out
