"""The reporting database holds the reporting app's tables and nothing else."""

import pytest
from django.db import connections


@pytest.mark.django_db
def test_main_tables_are_not_created_in_the_reporting_database():
    reporting_tables = set(connections["reporting"].introspection.table_names())
    main_tables = set(connections["default"].introspection.table_names())
    assert "conversations_message" in main_tables
    assert "conversations_message" not in reporting_tables
    assert "auth_user" not in reporting_tables
    assert not {t for t in main_tables if t.startswith("reporting_")}
