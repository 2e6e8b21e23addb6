"""The Celery app: Redis (or RabbitMQ) as broker, eager in-process without one."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaply.settings")

app = Celery("instaply")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
