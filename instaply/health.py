"""Liveness and readiness probes for load balancers and orchestrators."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """The process is alive and serving; depends on nothing else."""
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache.set("readyz:probe", "1", timeout=10)
    if cache.get("readyz:probe") != "1":
        raise RuntimeError("cache did not return what was written")


def _broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # Embedded default: tasks run in-process, there is no broker to reach.
    from instaply.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
@require_GET
def readyz(request):
    """Ready to take traffic: database, cache and broker answer. 503 names what is down."""
    results, down = {}, []
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 (any failure means not ready)
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = "down"
            down.append(name)
    status = 503 if down else 200
    return JsonResponse(
        {"status": "unavailable" if down else "ok", "down": down, "checks": results}, status=status
    )
