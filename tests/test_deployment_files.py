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


def _stages() -> list[list[str]]:
    """The Dockerfile's build stages, each as its instructions (continuations joined)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_the_image_speaks_every_committed_language():
    """The compiled catalogues are not committed (.gitignore), so the image must
    copy locale/ and compile it where Django looks for it (LOCALE_PATHS)."""
    from django.conf import settings

    catalogues = sorted(p.relative_to(ROOT) for p in ROOT.glob("locale/*/LC_MESSAGES/*.po"))
    assert catalogues, "no committed catalogue"
    assert settings.LOCALE_PATHS == [settings.BASE_DIR / "locale"]
    *builders, final = _stages()
    workdir = [i.split()[1] for i in final if i.upper().startswith("WORKDIR ")][-1]

    def compiles(stage) -> bool:
        return any(
            i.upper().startswith("RUN ") and ("msgfmt" in i or "compilemessages" in i)
            for i in stage
        )

    def copies_locale(stage) -> bool:
        return any(i.split()[:2] == ["COPY", "locale"] for i in stage)

    if compiles(final):  # compiled in the image itself
        assert copies_locale(final)
        return
    named = {
        stage[0].split()[-1]: stage
        for stage in builders
        if " AS " in stage[0].upper() and compiles(stage) and copies_locale(stage)
    }
    copied = [
        i.split()
        for i in final
        if i.startswith("COPY --from=") and i.split()[1].removeprefix("--from=") in named
    ]
    assert copied, "the final stage takes no compiled catalogue from a build stage"
    source_dir = [
        i.split()[2] for i in named[copied[0][1].removeprefix("--from=")] if copies_locale([i])
    ][0]
    assert copied[0][2].rstrip("/") == source_dir.rstrip("/")
    assert copied[0][3].rstrip("/") in ("./locale", f"{workdir}/locale")
    assert workdir == "/app"  # BASE_DIR in the image: the app runs from its sources
    assert any("--check-format" in i for stage in named.values() for i in stage)


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


def test_the_image_holds_every_application_package():
    """An app left out of the image would fail at start-up, and no test runs the image."""
    from django.conf import settings

    copied = {
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and not line.startswith("COPY --")
    }
    ours = {
        app.split(".")[0]
        for app in settings.INSTALLED_APPS
        if (ROOT / app.split(".")[0] / "__init__.py").exists()
    }
    assert ours - copied == set()
    # manage.py backup needs pg_dump of the compose file's PostgreSQL.
    assert "postgresql-client-16" in (ROOT / "Dockerfile").read_text()
