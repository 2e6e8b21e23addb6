import pytest
from django.core.cache import caches

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_every_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


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
    assert response.json()["down"] == ["cache"]


def test_readyz_names_a_broker_that_is_down(client, settings, monkeypatch):
    from instaply.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "broker" in response.json()["down"]
