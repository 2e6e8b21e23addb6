"""What keeps a retention run's cost to what it deletes: every rule is an indexed
range, rows go a batch at a time by id, and messages go by one statement per
batch without Django's collector (right only while the rows that point at a
message or a conversation are the ones the run deletes first)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attachments.models import Attachment, MediaFetch
from channels_sms.models import SendAttempt
from conversations.models import (
    Conversation,
    ConversationLabel,
    ConversationRead,
    FeedEvent,
    Message,
    Note,
    Reopening,
    WidgetVisitor,
)
from instaply.ids import uuid7
from notifications.models import EmailNotice, Mention
from platform_staff.models import AccessGrantConversation
from privacy.dsr.tests.package_support import add_messages, add_note
from privacy.retention.candidates import Cutoffs, Scope
from privacy.retention.deletion import keyset_page
from privacy.retention.run import retention_apply
from privacy.retention.selectors import retention_policy_for
from privacy.retention.tests.support import START, ago, set_policy
from tests.row_security import execute_as_owner

pytestmark = pytest.mark.django_db


def pointing_at(model) -> set:
    # Hidden relations (related_name="+") included.
    return {
        (field.related_model, field.field.name)
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete
    }


def test_the_rows_pointing_at_messages_and_conversations_are_known():
    # A new relation must be deleted by the run (privacy/retention/run.py) before
    # the messages, which go by one raw statement: then add it here. Rows that
    # name a message or conversation by a plain id column (stored webhooks, live
    # feed events) are deleted by the run explicitly.
    # Attachments (their rows and blobs) and MMS fetch rows go before the messages
    # (attachments.services.attachments_delete_for_messages).
    assert pointing_at(Message) == {
        (SendAttempt, "message"),
        (Attachment, "message"),
        (MediaFetch, "message"),
    }
    # These go with the conversation (Django's cascade, counted where they count).
    assert pointing_at(Conversation) == {
        (Message, "conversation"),
        (Note, "conversation"),
        (ConversationLabel, "conversation"),
        (ConversationRead, "conversation"),
        (WidgetVisitor, "conversation"),
        (AccessGrantConversation, "conversation"),
        (Reopening, "conversation"),
        (Conversation, "previous"),  # SET_NULL: the next conversation stays, unlinked
        (Attachment, "conversation"),  # rows and blobs deleted first, by their messages
        # Mentions in its notes and the emails owed about it (notifications).
        (Mention, "conversation"),
        (EmailNotice, "conversation"),
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL")
def test_every_statement_that_finds_rows_is_served_by_its_index(history):
    set_policy(history.tenant, 90, 30)
    # Enough rows, and their statistics, for the planner to weigh the indexes.
    conversations = [history.conversation(days, feed=30) for days in (10, 100, 400)]
    for conversation in conversations:
        add_messages(conversation, 100)
        for _ in range(10):
            add_note(conversation, "called back")
    for model in (Conversation, Message, Note, FeedEvent):
        execute_as_owner(f"ANALYZE {model._meta.db_table}")  # only the owner may

    scope = Scope(history.tenant.pk, Cutoffs.of(retention_policy_for(history.tenant), START))
    after = (ago(400), uuid7())
    closed, inactive = [rule for _, rule, _ in scope.conversation_rules()]
    ids = [conversations[1].pk, conversations[2].pk]
    queries = {
        "conv_tenant_status": keyset_page(
            scope.due_conversations(closed), "last_activity_at", after, 500
        ),
        "conv_tenant_activity": keyset_page(
            scope.due_conversations(inactive), "last_activity_at", after, 500
        ),
        "sms_delivery_tenant_state": keyset_page(
            scope.due_webhook_deliveries("processed"), "received_at", after, 500
        ),
        "sms_concat_tenant_created": keyset_page(
            scope.due_concatenated_parts(), "created_at", after, 500
        ),
        "sms_attempt_tenant_finished": keyset_page(
            scope.due_send_attempts(), "finished_at", after, 500
        ),
        "visitor_tenant_seen": keyset_page(
            scope.due_visitor_sessions(), "last_seen_at", after, 500
        ),
        "message_tenant_thread": scope.batch_messages(ids, ago(90)).values_list("id")[:500],
        "note_tenant_thread": scope.batch_notes(ids, ago(90)).values_list("id")[:500],
        "feed_event_tenant_conv": scope.batch_feed_events(ids).values_list("seq")[:500],
    }
    with connection.cursor() as cursor:
        # The other tables are nearly empty: without this the planner rightly reads
        # them whole. With it, a query the index cannot serve is still a scan.
        # Fresh statistics: otherwise the plan depends on what autovacuum last saw
        # of these tables while other tests ran (the full suite shares the database).
        for table in ("conversations_conversation", "conversations_message", "dsr_legalhold"):
            execute_as_owner(f"ANALYZE {table}")  # only the owner may
        # Sorting too: the rows of a few conversations sort for nothing, so under the
        # full suite's statistics the planner may fetch them by another index and
        # sort them. The question is whether the index serves the keyset in order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        # And the bare tenant_id indexes, for this transaction only: on so few
        # rows, a scan of one of them (then a filter) may cost the planner no
        # more than the keyset index, depending on what the database held
        # before; the question is whether the keyset index serves the statement.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            " AND indexdef LIKE 'CREATE INDEX %%USING btree (tenant_id)'"
        )
        for (bare,) in cursor.fetchall():
            execute_as_owner(f'DROP INDEX "{bare}"')
        plans = {index: query.explain() for index, query in queries.items()}
        cursor.execute("SET LOCAL enable_sort = on")
        cursor.execute("SET LOCAL enable_seqscan = on")
    # Rows of a batch of conversations may come by the conversation's own foreign-key
    # index as well: it too is keyed by the conversation.
    also = {
        "message_tenant_thread": "conversations_message_conversation_id_",
        "note_tenant_thread": "conversations_note_conversation_id_",
    }
    for index, plan in plans.items():
        names = "|".join(re.escape(name) for name in (index, also.get(index, index)))
        assert re.search(rf"(using|Index Scan on) ({names})", plan), (index, plan)
        assert "Seq Scan" not in plan, (index, plan)


def test_the_statements_of_a_run_grow_with_its_batches_not_the_tables(history, monkeypatch):
    set_policy(history.tenant, 90)
    keeper = history.contact()
    history.conversation(10, contact=keeper)  # its contact stays: nothing is shredded

    def statements(due: int, kept: int) -> int:
        for _ in range(due):
            conversation = history.conversation(100, contact=keeper, messages=2)
            history.attempt(history.messages(conversation)[0], 100)
        for _ in range(kept):
            history.conversation(50, contact=keeper, messages=2)
        with CaptureQueriesContext(connection) as captured:
            counts = retention_apply(history.tenant, batch_size=5)
        assert counts["conversations"] == due
        # No message row is loaded whole: only ids, a batch at a time.
        table = Message._meta.db_table
        assert not [q for q in captured if f'"{table}"."body"' in q["sql"]]
        return len(captured)

    small = statements(10, 0)
    kept_many = statements(10, 40)
    large = statements(20, 0)
    assert kept_many == small  # rows that stay cost nothing
    per_batch = (large - small) / 2  # two more batches of conversations
    # A batch of 5 conversations with their messages: a few statements per kind of
    # row (attachments, search documents, mentions, emails owed and report cycles
    # among them), and the savepoints the test's own transaction adds.
    assert per_batch <= 64, (small, large)
