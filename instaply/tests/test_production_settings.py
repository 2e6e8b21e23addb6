"""Production refuses to start without real services and keys, naming each one."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSTHROUGH = ("PATH", "HOME", "LANG", "SYSTEMROOT")


def _run(args, **env):
    base = {k: os.environ[k] for k in PASSTHROUGH if k in os.environ}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "instaply.settings"} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides):
    from privacy.keys import generate_master_key_ring  # noqa: PLC0415

    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://instaply@db.internal:5432/instaply",
        "REDIS_URL": "redis://cache.internal:6379/0",
        # The identifiers-only reporting database: another database, its own key.
        "REPORTING_DATABASE_URL": "postgres://instaply@db.internal:5432/instaply_reporting",
        "REPORTING_KEY": secrets.token_urlsafe(48),
        "INSTAPLY_MASTER_KEYS": generate_master_key_ring(),
        "PUBLIC_BASE_URL": "https://inbox.example.com",
        "ALLOWED_HOSTS": "inbox.example.com",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_production_without_anything_names_every_missing_item():
    result = _run(["manage.py", "check"], DJANGO_ENV="production")
    assert result.returncode != 0
    for item in (
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "INSTAPLY_MASTER_KEYS",
        "PUBLIC_BASE_URL",
        "ALLOWED_HOSTS",
        "REPORTING_DATABASE_URL",
        "REPORTING_KEY",
    ):
        assert item in result.stderr, result.stderr


def test_production_refuses_sqlite_and_names_only_that():
    result = _run(["manage.py", "check"], **production_env(DATABASE_URL="sqlite:///var/x.sqlite3"))
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert "REDIS_URL" not in result.stderr.split("missing or unsafe")[-1]


def test_production_with_everything_passes_the_deploy_checklist():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_serves_json_only_with_no_browsable_api():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'], settings.DEBUG)"
    )
    result = _run(["-c", code], **production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['rest_framework.renderers.JSONRenderer'] False"
