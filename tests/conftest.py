"""Fixtures of the cross-app tests that run the platform for real."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def worker(celery_eager, simulator, live_server):
    """A Celery worker process on the test database and a private queue, sending
    SMS to the test's provider simulator and calling back the live server.

    The test module provides ``simulator`` (a SimulatorServer); PostgreSQL and a
    broker are needed (tests using this skip otherwise)."""
    celery_eager.conf.task_always_eager = False
    queue = f"test-sms-{os.getpid()}"
    previous_queue = celery_eager.conf.task_default_queue
    celery_eager.conf.task_default_queue = queue  # what the live server enqueues
    db = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "PUBLIC_BASE_URL": live_server.url,
        "SMS_SIMULATOR_URL": simulator.url,
        "SMS_SEND_BACKOFF_SECONDS": "1",
        # Work the worker publishes itself (an MMS's media fetch) stays on this queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "instaply", "worker", "-Q", queue]
        + ["--pool", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle"]
        + ["-l", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    celery_eager.conf.task_default_queue = previous_queue
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
