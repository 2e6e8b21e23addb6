"""Tests share their Redis database with the Celery broker (and, under CI, with
other test processes): no test may empty it. Rate-limit counters are kept apart
by a key prefix per test (conftest.py), so there is nothing to flush."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Emptying the whole Redis database: Django's cache.clear() on Redis is FLUSHDB.
# (keyring.cache is the in-process key cache: clearing it is fine.)
FLUSHES = re.compile(
    r"flushdb|flushall|(?<![\w.])cache\.clear\(\)|caches\[[^]]+\]\.clear\(\)", re.I
)


def _test_sources():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if (
            parts[0] in (".venv", "var", "bench")
            or "tests" not in parts
            and parts[0] != "conftest.py"
        ):
            continue
        yield path


def test_no_test_empties_the_shared_redis_database():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _test_sources()
        if path != Path(__file__)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if FLUSHES.search(line)
    ]
    assert found == []


def test_the_check_sees_a_flush():
    assert FLUSHES.search("    cache.clear()")
    assert FLUSHES.search("redis.flushdb()") and FLUSHES.search('caches["default"].clear()')
    assert not FLUSHES.search("    keyring.cache.clear()")
