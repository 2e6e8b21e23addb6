"""Forgetting: the facts of erased or deleted rows leave the reporting database
in the same run as the rows themselves.

Erasure, retention and a withdrawn consent call ``facts_forget`` right after
each of their deletes, inside the transaction that deleted the rows: if the
reporting database cannot be reached, the deletion rolls back and its run is
retried, so no fact outlives its row. The keys are also written down as
forgotten, so an extract batch that read the rows just before they went cannot
write their facts back: the batch and the forgetting lock the same mark rows,
and the batch skips forgotten keys.

A run (``forgetting_run``) writes one ``reporting.facts_forgotten`` audit event
with its counts, however many batches it deleted in.
"""

import contextlib
import contextvars
from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from analytics.reporting import keys
from analytics.reporting.extract import hour
from analytics.reporting.models import ConversationFact, ExtractMark, ForgottenKey, MessageFact
from analytics.reporting.router import REPORTING_DB

_run: contextvars.ContextVar[Counter | None] = contextvars.ContextVar(
    "reporting_forget_run", default=None
)


def facts_forget(
    tenant_id, *, conversation_ids: Iterable = (), message_ids: Iterable = ()
) -> Counter:
    """Deletes the facts of these conversations (their messages' facts with them)
    and of these messages; returns the counts. Ids of rows never extracted are
    simply remembered as forgotten."""
    conversation_keys = [keys.opaque_key(keys.CONVERSATION, pk) for pk in conversation_ids]
    message_keys = [keys.opaque_key(keys.MESSAGE, pk) for pk in message_ids]
    counts: Counter = Counter()
    if not conversation_keys and not message_keys:
        return counts
    tenant_key = keys.opaque_key(keys.TENANT, tenant_id)
    with transaction.atomic(using=REPORTING_DB):
        # Waits for an extract batch in progress, which then cannot write these back.
        for name in sorted(ExtractMark.Name.values):
            ExtractMark.objects.get_or_create(name=name)
        list(ExtractMark.objects.select_for_update().order_by("name").values_list("name"))
        now = hour(timezone.now())
        ForgottenKey.objects.bulk_create(
            [ForgottenKey(key=key, forgotten_hour=now) for key in conversation_keys + message_keys],
            ignore_conflicts=True,
        )
        # The tenant key too: a key is only ever forgotten in its own tenant.
        messages = MessageFact.objects.filter(tenant_key=tenant_key)
        counts["message_facts"] += messages.filter(key__in=message_keys).delete()[0]
        counts["message_facts"] += messages.filter(conversation_key__in=conversation_keys).delete()[
            0
        ]
        counts["conversation_facts"] += ConversationFact.objects.filter(
            tenant_key=tenant_key, key__in=conversation_keys
        ).delete()[0]
    counts["conversations"] += len(conversation_keys)
    counts["messages"] += len(message_keys)
    tally = _run.get()
    if tally is not None:
        tally.update(counts)
    else:
        _record(tenant_id, counts, cause="direct")
    return counts


@contextlib.contextmanager
def forgetting_run(*, tenant_id, cause: str):
    """Collects the counts of every ``facts_forget`` inside; records them once."""
    tally: Counter = Counter()
    token = _run.set(tally)
    try:
        yield tally
    finally:
        _run.reset(token)
        # A run stopped by an error still forgot what it committed, unless the
        # transaction around it is rolling back (then so will this record).
        if not transaction.get_connection().needs_rollback:
            _record(tenant_id, tally, cause=cause)


def _record(tenant_id, counts: Counter, *, cause: str) -> None:
    from audit import actions
    from audit.recorder import Actor, record

    if not counts.total():
        return
    record(
        actions.REPORTING_FACTS_FORGOTTEN,
        tenant=tenant_id,
        actor=Actor.system("reporting_forget"),
        target=("tenant", tenant_id),
        metadata={"cause": cause, **{name: n for name, n in sorted(counts.items()) if n}},
    )
