"""The fault suite: the platform on private PostgreSQL and Redis, which the
cases stop, restart and kill (never the shared servers).

It runs once in CI, in the PostgreSQL pass: on the embedded default (SQLite) it
is skipped, and under CI (CI=true) a missing server program is a failure.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench")]  # bench/webhook_bench.py's own imports

ON_CI = os.environ.get("CI", "").lower() == "true"
NOT_POSTGRES = (
    "the fault suite runs in the PostgreSQL pass only (DATABASE_URL=postgres://...): "
    "it starts its own PostgreSQL and Redis and stops them"
)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.xdist_group("faults"))  # one process starts it all
            if connection.vendor != "postgresql":
                item.add_marker(pytest.mark.skip(reason=NOT_POSTGRES))


@pytest.fixture(scope="session")
def platform():
    from tests.faults.deployment import Platform
    from tests.faults.services import Missing, PrivatePostgres, PrivateRedis

    try:
        postgres, redis = PrivatePostgres(), PrivateRedis()
    except Missing as missing:
        if ON_CI:
            pytest.fail(f"the fault suite needs {missing} (CI runs it)")
        pytest.skip(f"the fault suite needs {missing}")
    scratch = Path(tempfile.mkdtemp(prefix="instaply-faults-"))
    started = None
    try:
        postgres.start()
        redis.start()
        started = Platform(postgres, redis, scratch)
        started.start()
        yield started
    finally:
        if started is not None:
            started.close()
        redis.stop()
        postgres.remove()
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture
def healthy(platform, celery_eager):
    """Each case starts on a ready platform and leaves one behind, even when it
    fails: what it stopped is started again."""
    platform.restore()
    assert platform.wait_ready(), f"not ready before the case: {platform.readyz().body[:300]}"
    yield platform
    platform.restore()


@pytest.fixture
def report(record_property):
    """Prints a case's counts (shown with -s) and keeps them for the terminal
    summary (root conftest.py), which shows them under xdist too."""

    def say(line: str) -> None:
        print(line)
        record_property("faults", line)

    return say
