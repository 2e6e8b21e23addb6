"""The BI role reads the reporting database's facts and nothing else (PostgreSQL)."""

import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from analytics.reporting.reader_role import reader_role_sql


def _conninfo(alias: str, role: str, password: str) -> dict:
    settings = connections[alias].settings_dict
    return {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "dbname": settings["NAME"],
        "user": role,
        "password": password,
        "connect_timeout": 5,
    }


@pytest.fixture
def reader():
    if connections["reporting"].vendor != "postgresql":
        pytest.skip("roles exist on PostgreSQL only")
    role, password = f"bi_test_{uuid.uuid4().hex[:12]}", uuid.uuid4().hex
    yield role, password
    with connections["reporting"].cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_reader_role_selects_facts_and_can_do_nothing_else(reader):
    role, password = reader
    call_command("reporting_reader_sql", "--role", role, "--password", password, "--apply")
    # Applying again changes nothing (a later migration's tables are granted so).
    call_command("reporting_reader_sql", "--role", role, "--password", password, "--apply")

    with psycopg.connect(**_conninfo("reporting", role, password), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM reporting_conversationfact").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM reporting_messagefact").fetchone() == (0,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute(
                "INSERT INTO reporting_conversationfact (key, tenant_key, shop_key, channel, "
                "status, opened_hour) VALUES ('k', 't', 's', 'sms', 'open', now())"
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
            conn.execute("DELETE FROM reporting_messagefact")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT position FROM reporting_extractmark")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT key FROM reporting_forgottenkey")
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(**_conninfo("default", role, password))


@pytest.mark.django_db(databases="__all__")
def test_the_sql_is_printed_for_a_database_administrator(capsys):
    if connections["reporting"].vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL only"):
            call_command("reporting_reader_sql", "--role", "bi_reader")
        return
    call_command("reporting_reader_sql", "--role", "bi_reader", "--password", "s3cret")
    printed = capsys.readouterr().out
    assert 'GRANT SELECT ON "reporting_conversationfact", "reporting_messagefact"' in printed
    assert "reporting_extractmark" not in printed and "PASSWORD 's3cret'" in printed
    with pytest.raises(CommandError):
        call_command("reporting_reader_sql", "--role", 'bi"; DROP TABLE x; --')


def test_names_are_checked_and_passwords_quoted():
    statements = reader_role_sql(
        role="bi", password="it's", main_db="main", reporting_db="rep", app_role="app"
    )
    assert "PASSWORD 'it''s'" in statements[1]
    with pytest.raises(ValueError):
        reader_role_sql(role="Bi-X", password="p", main_db="m", reporting_db="r", app_role="a")
