"""docker-compose.yml describes the real deployment: the services and what they share."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REQUIRED_ENV = {
    "DJANGO_ENV",
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "INSTAPLY_MASTER_KEYS",
    "PUBLIC_BASE_URL",
    "ALLOWED_HOSTS",
}


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service():
    services = _compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["web"]["command"][:3] == ["gunicorn", "-c", "python:instaply.gunicorn_conf"]
    assert services["worker"]["command"][:3] == ["celery", "-A", "instaply"]
    assert "beat" in services["beat"]["command"]


def test_app_services_share_one_production_environment():
    services = _compose()["services"]
    envs = [services[name]["environment"] for name in ("web", "worker", "beat")]
    assert envs[0] == envs[1] == envs[2]
    assert REQUIRED_ENV <= set(envs[0])
    assert envs[0]["DJANGO_ENV"] == "production"
    assert "@postgres:5432/" in envs[0]["DATABASE_URL"]
    assert envs[0]["REDIS_URL"].startswith("redis://redis:6379")


def test_app_services_wait_for_healthy_dependencies():
    services = _compose()["services"]
    assert services["migrate"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    assert services["postgres"]["healthcheck"] and services["redis"]["healthcheck"]


def test_secrets_are_never_written_in_the_compose_file():
    env = _compose()["services"]["web"]["environment"]
    for name in ("SECRET_KEY", "INSTAPLY_MASTER_KEYS"):
        assert env[name].startswith("${"), f"{name} must come from the environment"


def test_dockerfile_runs_the_app_as_an_unprivileged_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER instaply" in dockerfile and "DJANGO_ENV=production" in dockerfile


def test_the_web_tier_serves_asgi_with_uvicorn_workers(monkeypatch):
    """Open inboxes wait on the events feed: a threaded WSGI tier stalls once they
    hold its threads, so web serves the ASGI application (docs/scaling.md)."""
    import importlib

    web = _compose()["services"]["web"]["command"]
    assert web == ["gunicorn", "-c", "python:instaply.gunicorn_conf", "instaply.asgi:application"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"CMD {__import__('json').dumps(web)}" in dockerfile
    monkeypatch.delenv("WEB_WORKER_CLASS", raising=False)
    import instaply.gunicorn_conf as conf

    assert importlib.reload(conf).worker_class == "uvicorn_worker.UvicornWorker"
