"""bench/load.py: its bookkeeping (where saturation lies, when counts agree), and
its --quick mode run for real to the report.

The quick run needs what the bench measures (the production web tier refuses
SQLite): PostgreSQL and Redis. It gets a database of its own, made and dropped
here, since the bench writes tenants a test must not leave in a shared database.
Its figures mean nothing at that size; the test checks the report's shape and the
end-to-end count check, never a timing.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests import row_security

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _load_figures import MIX, CountCheck, Step, saturation, share  # noqa: E402


def test_saturation_is_where_throughput_stops_growing():
    steps = [Step(2, 100, 0, 0.02), Step(4, 180, 0, 0.03), Step(8, 184, 0, 0.06)]
    best, why = saturation(steps)
    assert best.clients == 8 and best.rate == 184  # the better of the last two
    assert "grew less than 5%" in why


def test_a_step_with_errors_ends_the_ramp_and_is_never_the_saturation():
    steps = [Step(2, 100, 0, 0.02), Step(4, 250, 3, 0.03)]
    best, why = saturation(steps)
    assert best.clients == 2 and "errors appeared at 4 clients" in why
    with pytest.raises(ValueError):
        saturation([Step(1, 10, 1, 0.1)])


def test_a_ramp_that_still_grows_gives_a_lower_bound():
    best, why = saturation([Step(1, 10, 0, 0.1), Step(2, 19, 0, 0.1)])
    assert best.clients == 2 and "lower bound" in why


def test_the_counts_agree_only_when_every_long_poll_saw_every_stored_text():
    agreeing = CountCheck(10, 10, [10, 10], replies_accepted=3, replies_at_provider=3)
    assert agreeing.ok
    assert not CountCheck(10, 10, [10, 9], 3, 3).ok  # one open inbox missed an event
    assert not CountCheck(10, 11, [11, 11], 3, 3).ok  # a text stored twice
    assert not CountCheck(10, 10, [10], 3, 2).ok  # a reply never reached the provider
    assert not CountCheck(10, 10, [], 3, 3).ok  # no long-poll: nothing was checked
    assert "DISAGREE" in "\n".join(CountCheck(10, 9, [9], 0, 0).lines())


def test_the_mix_holds_every_kind():
    assert sum(share(kind) for kind in set(MIX)) == pytest.approx(1.0)
    assert share("webhook") > share("reply") > 0


@pytest.fixture
def own_database(django_db_setup):
    """A fresh PostgreSQL database (and its reporting one) for the bench, dropped
    after; created as the owner the suite's databases were (tests/row_security.py)."""
    db = connection.settings_dict
    owner = django_db_setup or row_security.owner_login(connection)
    name = f"{db['NAME']}_load"[:60]
    admin = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=owner.user,
        password=owner.password or None,
        dbname="postgres",
        autocommit=True,
    )

    def drop():
        for database in (name, f"{name}_reporting"):
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    drop()
    admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{owner.password}" if owner.password else ""
    yield f"postgres://{owner.user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    drop()
    admin.close()


@pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL,
    reason="the production web tier needs PostgreSQL and Redis (CI runs it on both)",
)
def test_the_load_bench_runs_its_quick_mode_to_a_count_check_that_agrees(own_database):
    env = os.environ | {"DATABASE_URL": own_database, "REDIS_URL": settings.REDIS_URL}
    for key in ("DJANGO_SETTINGS_MODULE", "DJANGO_ENV", "REPORTING_DATABASE_URL"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, "bench/load.py", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    for line in ("saturation ramp", "saturation ", "run at 0.70 of saturation", "long-polls"):
        assert line in out, out
    for kind in ("webhook", "inbox", "thread", "reply"):
        assert re.search(rf"^  {kind} +[\d,.]+ +[\d.]+ +[\d.]+ +\d+", out, re.M), out
    sent = re.search(r"texts sent in ([\d,]+) = messages stored ([\d,]+) = ", out)
    assert sent and sent[1] == sent[2], out
    assert int(sent[1].replace(",", "")) > 5, out  # more than the warm-up's one text per phone
    assert "every count agrees" in out, out
