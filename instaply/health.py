"""Liveness and readiness probes for load balancers and orchestrators.

``/readyz`` checks each dependency in a thread of its own and waits at most
``READYZ_TIMEOUT_SECONDS`` for all of them: a PostgreSQL or Redis that hangs
(rather than refusing) is reported "down", not waited on.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """The process is alive and serving; depends on nothing else."""
    return JsonResponse({"status": "ok"})


def _select_one(alias: str) -> None:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # the probe's thread ends; its connection must not leak


def _database() -> None:
    _select_one("default")


def _reporting() -> None:
    _select_one("reporting")


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


def _workers() -> str | None:
    """ "n/a" where tasks run in-process (no workers to have); else a heartbeat
    fresher than WORKER_STALE_SECONDS (instaply/heartbeat.py)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "n/a"
    from instaply.heartbeat import age_seconds

    age = age_seconds()
    if age is None or age > settings.WORKER_STALE_SECONDS:
        raise RuntimeError("no worker heartbeat is fresh")
    return None


def _sms_providers() -> str:
    """ "degraded" while a provider's circuit is open (channels_sms/provider_health.py):
    replies wait and retry, everything else works, so never "down" (a load
    balancer keeps the web tier). "unknown" when the cache cannot say."""
    from channels_sms.provider_health import providers_failing

    try:
        failing = providers_failing()
    except Exception as exc:  # noqa: BLE001 (the cache check reports the cache)
        logger.warning("readiness check sms_providers: %s", type(exc).__name__)
        return "unknown"
    if failing:
        logger.warning("readiness check sms_providers degraded: %s", ",".join(failing))
        return DEGRADED
    return "ok"


DEGRADED = "degraded"
CHECKS = {
    "database": _database,
    "reporting_database": _reporting,
    "cache": _cache,
    "broker": _broker,
    "workers": _workers,
    "sms_providers": _sms_providers,
}


def _run(check, result: dict) -> None:
    try:
        result["value"] = check() or "ok"
    except Exception as exc:  # noqa: BLE001 (any failure means not ready)
        result["error"] = type(exc).__name__


def check_all(timeout: float | None = None) -> dict[str, str]:
    """Each check's answer ("ok", "down", "n/a", "degraded", "unknown"), all
    within ``timeout`` seconds."""
    timeout = settings.READYZ_TIMEOUT_SECONDS if timeout is None else timeout
    started = {}
    for name, check in CHECKS.items():
        result: dict = {}
        thread = threading.Thread(target=_run, args=(check, result), daemon=True)
        thread.start()
        started[name] = (thread, result)
    deadline = time.monotonic() + timeout
    answers = {}
    for name, (thread, result) in started.items():
        thread.join(max(0.0, deadline - time.monotonic()))
        if "value" in result:
            answers[name] = result["value"]
            continue
        reason = result.get("error", "timeout")
        logger.warning("readiness check %s failed: %s", name, reason)
        answers[name] = "down"
    return answers


@never_cache
@require_GET
def readyz(request):
    """Ready to take traffic: each dependency answers. 503 names what is down;
    a 200 may name what is degraded (working, worse: SMS replies delayed)."""
    results = check_all()
    down = [name for name, answer in results.items() if answer == "down"]
    degraded = [name for name, answer in results.items() if answer == DEGRADED]
    status = "unavailable" if down else DEGRADED if degraded else "ok"
    body = {"status": status, "down": down, "degraded": degraded, "checks": results}
    return JsonResponse(body, status=503 if down else 200)
