"""The Celery app: Redis (or RabbitMQ) as broker, eager in-process without one."""

import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaply.settings")


class UnitOfWorkTask(Task):
    """Each run starts as nobody for row-level security and ends as it began:
    the task adopts the tenant of the row it works on, or enters platform work
    (instaply/rls.py)."""

    def __call__(self, *args, **kwargs):
        from instaply import rls

        with rls.unit_of_work():
            return super().__call__(*args, **kwargs)


app = Celery("instaply", task_cls=UnitOfWorkTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
