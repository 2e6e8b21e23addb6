"""What every scenario with a real Celery worker needs."""

import pytest
from django.conf import settings
from django.db import connection

# A real worker shares the test database: PostgreSQL, committed rows, a real broker.
WORKER_SCENARIO = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: CI runs it against Redis"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker needs a shared database"
    ),
]
