"""The reporting database holds identifiers and facts only, and nothing flows
into it from a source column the extract does not name."""

import datetime as dt
import re

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from analytics.reporting import extract as extract_module
from analytics.reporting.models import ConversationFact, MessageFact
from analytics.reporting.tests.support import conversation_with_reply, extract
from conversations.models import Conversation, FeedEvent, Message
from tests.row_security import execute_as_owner

pytestmark = pytest.mark.django_db

KEY, ENUM, NUMBER, HOUR, TIME = "key", "enum", "number", "hour", "time"
# Every column of the reporting database, reviewed: a new one fails here until
# it is declared (and a free-text or personal one must never be).
DECLARED = {
    "reporting_conversationfact": {
        "key": KEY, "tenant_key": KEY, "shop_key": KEY, "channel": ENUM, "status": ENUM,
        "opened_hour": HOUR, "first_response_seconds": NUMBER, "closed_hour": HOUR,
    },
    "reporting_messagefact": {
        "key": KEY, "tenant_key": KEY, "shop_key": KEY, "conversation_key": KEY,
        "channel": ENUM, "direction": ENUM, "sender_kind": ENUM, "hour": HOUR,
    },
    # The extract's bookkeeping (the reader role cannot read it).
    "reporting_extractmark": {"name": ENUM, "position": NUMBER, "last_run_at": TIME},
    "reporting_forgottenkey": {"key": KEY, "forgotten_hour": HOUR},
}  # fmt: skip
NUMBERS = {"IntegerField", "PositiveIntegerField", "BigIntegerField", "SmallIntegerField"}
KEY_VALUE = re.compile(r"^[0-9a-f]{64}$")


def _describe():
    connection = connections["reporting"]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor)) - {"django_migrations"}
        return {
            table: {
                column.name: (
                    connection.introspection.get_field_type(column.type_code, column),
                    column.display_size or column.internal_size,
                )
                for column in connection.introspection.get_table_description(cursor, table)
            }
            for table in tables
        }


def _allowed(kind: str, field_type: str, size) -> bool:
    if kind == KEY:
        return field_type == "CharField" and size == 64
    if kind == ENUM:
        return field_type == "CharField" and size is not None and 0 < size <= 16
    if kind == NUMBER:
        return field_type in NUMBERS
    return field_type == "DateTimeField"


def test_every_reporting_column_is_declared_and_of_an_allowed_type():
    described = _describe()
    assert set(described) == set(DECLARED)
    for table, columns in described.items():
        assert set(columns) == set(DECLARED[table]), table
        for name, (field_type, size) in columns.items():
            kind = DECLARED[table][name]
            assert _allowed(kind, field_type, size), (table, name, field_type, size)


def test_stored_values_are_keys_codes_numbers_and_whole_hours(tenant_a):
    conversation_with_reply(tenant_a, reply_after=dt.timedelta(minutes=3))
    extract()
    for model in (ConversationFact, MessageFact):
        rows = list(model.objects.values())
        assert rows
        for row in rows:
            for name, value in row.items():
                kind = DECLARED[model._meta.db_table][name]
                if kind == KEY:
                    assert KEY_VALUE.match(value), (name, value)
                elif kind == HOUR and value is not None:
                    assert (value.minute, value.second, value.microsecond) == (0, 0, 0)
                elif kind == ENUM:
                    assert value.isascii() and len(value) <= 16


def _source_columns() -> dict[str, set[str]]:
    """The (table -> columns) the extract's declared lists name."""
    named: dict[str, set[str]] = {}

    def add(model, path: str) -> None:
        if model is FeedEvent and path == "payload__status":
            path = "payload"  # the status key of the payload (ids and states only)
        *relations, last = path.split("__")
        for relation in relations:
            model = model._meta.get_field(relation).related_model
        named.setdefault(model._meta.db_table, set()).add(model._meta.get_field(last).column)

    for path in extract_module.CONVERSATION_COLUMNS:
        add(Conversation, path)
    for path in extract_module.MESSAGE_COLUMNS + extract_module.FIRST_RESPONSE_COLUMNS:
        add(Message, path)
    for path in extract_module.CHANGE_COLUMNS:
        add(FeedEvent, path)
    return named


def _selected(sql: str) -> set[tuple[str, str]]:
    """The (table, column) pairs of a SELECT's select list."""
    select_list = sql.split(" FROM ", 1)[0]
    assert "*" not in select_list.replace("COUNT(*)", ""), sql
    return set(re.findall(r'"(\w+)"\."(\w+)"', select_list))


def test_the_extract_selects_only_its_declared_source_columns(
    tenant_a, django_capture_on_commit_callbacks
):
    from conversations.services.inbox import conversation_set_status

    # A column added to a source table behind the code's back, holding a marker
    # (before any row is written: PostgreSQL alters no table with pending triggers).
    execute_as_owner(
        "ALTER TABLE conversations_message ADD COLUMN secret_marker varchar(40) "
        "DEFAULT 'SECRET-MARKER-7731'"
    )
    conversation = conversation_with_reply(tenant_a, reply_after=dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_status(actor=tenant_a.owner, conversation=conversation, status="closed")
    with CaptureQueriesContext(connections["default"]) as queries:
        written = extract()
    assert written == {"conversations": 1, "messages": 2, "changes": 1}

    declared = _source_columns()
    sources = [q["sql"] for q in queries if re.search(r'FROM "conversations_', q["sql"])]
    assert len(sources) >= 4  # conversations, first replies, messages, feed, changed rows
    for sql in sources:
        assert sql.lstrip().upper().startswith("SELECT"), sql
        for table, column in _selected(sql):
            assert column in declared.get(table, set()), (table, column, sql)
        assert "secret_marker" not in sql and "body" not in sql and "preview" not in sql
    # Nor does the marker reach any reporting table.
    connection = connections["reporting"]
    with connection.cursor() as cursor:
        for table in DECLARED:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (a table of ours)
            assert "SECRET-MARKER" not in repr(cursor.fetchall())
