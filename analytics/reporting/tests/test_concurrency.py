"""Two extracts at once take turns batch by batch and write each fact once (PostgreSQL:
each batch locks its mark row; the embedded default serialises its writers anyway)."""

import threading

import pytest
from django.db import connections

from analytics.reporting.extract import SETTLE, extract_run
from analytics.reporting.models import ConversationFact, ExtractMark, MessageFact
from analytics.reporting.tests.support import conversation_with_reply, settled_now


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_two_runs_at_once_write_every_fact_once(tenant_a):
    if connections["default"].vendor != "postgresql":
        pytest.skip("threads share one SQLite file; PostgreSQL shows the row locks")
    for _ in range(8):
        conversation_with_reply(tenant_a)
    now, results, errors = settled_now(), [], []

    def run():
        try:
            results.append(extract_run(now=now, batch=1))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            for connection in connections.all():
                connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors
    assert sum(result["conversations"] for result in results) == 8
    assert sum(result["messages"] for result in results) == 8
    assert ConversationFact.objects.count() == 8 and MessageFact.objects.count() == 8
    bound = int((now - SETTLE).timestamp() * 1000)
    assert ExtractMark.objects.get(name="conversations").position == bound
