import socket
import threading
import time

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.fixture
def worker_alive():
    from instaply.heartbeat import beat

    beat()


def test_readyz_reports_every_dependency(client, settings, worker_alive):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    workers = "n/a" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"
    assert response.json()["checks"] == {
        "database": "ok",
        "reporting_database": "ok",
        "cache": "ok",
        "broker": "ok",
        "workers": workers,
        "sms_providers": "ok",
    }


def test_readyz_names_a_cache_that_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    try:
        response = client.get("/readyz")
    finally:
        caches["default"].close()
    assert response.status_code == 503
    assert "cache" in response.json()["down"]


def test_readyz_names_a_broker_that_is_down(client, settings, monkeypatch):
    from instaply.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "broker" in response.json()["down"]


def test_readyz_names_workers_without_a_fresh_heartbeat(client, settings, monkeypatch):
    from instaply import heartbeat

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(heartbeat, "KEY", "readyz-test:no-heartbeat-here")
    assert client.get("/readyz").json()["checks"]["workers"] == "down"
    heartbeat.beat()
    assert client.get("/readyz").json()["checks"]["workers"] == "ok"


def test_readyz_without_workers_configured_says_not_applicable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert client.get("/readyz").json()["checks"]["workers"] == "n/a"


def test_readyz_names_a_reporting_database_that_is_down(client, monkeypatch, worker_alive):
    from django.db import connections

    # The probe's thread opens a connection of its own from these settings.
    reporting = connections.settings["reporting"]
    if reporting["ENGINE"].endswith("postgresql"):
        monkeypatch.setitem(reporting, "PORT", "1")  # nothing listens on port 1
    else:
        monkeypatch.setitem(reporting, "NAME", "/nonexistent-directory/reporting.sqlite3")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["reporting_database"]


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers (a hung Redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_readyz_answers_in_bounded_time_when_the_cache_hangs(client, settings, silent_server):
    settings.READYZ_TIMEOUT_SECONDS = 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{silent_server}/0",  # accepts, never answers
        }
    }
    started = time.monotonic()
    try:
        response = client.get("/readyz")
    finally:
        caches["default"].close()
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503 and "cache" in response.json()["down"]
