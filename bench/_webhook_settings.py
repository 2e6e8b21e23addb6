"""Settings of the gunicorn server and worker that bench/webhook_bench.py starts:
the platform's own settings, plus a bench-only URL and a private task queue."""

import os

from instaply.settings import *  # noqa: F403

ROOT_URLCONF = "_webhook_urls"
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("BENCH_CELERY_QUEUE", "celery")
