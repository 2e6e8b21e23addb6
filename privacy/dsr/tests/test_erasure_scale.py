"""What keeps an erasure's cost to the subject's data and off the inbox's CPU
(bench/dsr_bench.py measures it): messages are deleted by one statement per
batch, without Django's collector, which is only right while the rows that
point at a message are the ones the erasure deletes before them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attachments.models import Attachment, MediaFetch
from channels_sms.models import SendAttempt
from conversations.models import Message
from privacy.dsr import erasure
from privacy.dsr.erasure import erase_subject
from privacy.dsr.tests.erasure_support import erasure_request, no_progress
from privacy.dsr.tests.package_support import add_messages, subject

pytestmark = pytest.mark.django_db


def test_send_attempts_attachments_and_fetches_are_the_only_rows_pointing_at_a_message():
    # A new relation (an attachment table...) must be deleted by the erasure
    # before the messages, in _delete_message_batch: then add it here.
    # Hidden relations (related_name="+") included.
    pointing = {
        (field.related_model, field.field.name)
        for field in Message._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete
    }
    # Attachments and MMS fetch rows: attachments_delete_for_messages.
    assert pointing == {
        (SendAttempt, "message"),
        (Attachment, "message"),
        (MediaFetch, "message"),
    }


def test_an_erasure_runs_the_same_statements_per_batch_whatever_the_subject(tenant_a, monkeypatch):
    monkeypatch.setattr(erasure, "BATCH", 10)
    tenant, shop = tenant_a.tenant, tenant_a.shop

    def statements(count: int) -> tuple[int, int]:
        contact, conversation = subject(tenant, shop, phone=f"+3361234{count:04d}")
        add_messages(conversation, count)
        request = erasure_request(tenant, contact)
        with CaptureQueriesContext(connection) as captured:
            counts = erase_subject(request, contact, no_progress)["erased"]
        assert counts["messages"] == count
        # No message row is fetched whole: only ids, a batch at a time.
        table = Message._meta.db_table
        whole = [q for q in captured if f'"{table}"."body"' in q["sql"]]
        assert whole == []
        return len(captured)

    small, large = statements(30), statements(60)
    # Three more batches of messages: the same few statements each, no more (9:
    # the ids, their attachments' blobs, their search documents' tokens, the send
    # attempts, MMS fetches, deliveries and messages deleted, the receipt's counts
    # read and written; the search tokens' DELETE when the batch has any; the
    # savepoints of the test's own transaction).
    per_batch = (large - small) / 3
    assert per_batch <= 11, (small, large)
