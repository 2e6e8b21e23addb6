"""Tests that start the product in a subprocess on the embedded default (SQLite, no
broker) whatever database the suite runs on: they strip DATABASE_URL and REDIS_URL,
so .ci/run's PostgreSQL pass would repeat its embedded pass exactly. They run once,
in the embedded pass (as browser scenarios run once, in the PostgreSQL pass)."""

import pytest
from django.db import connection

embedded_pass_only = pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="starts the embedded default in a subprocess whatever DATABASE_URL says: "
    "it runs once, in the suite's pass on the embedded default",
)
