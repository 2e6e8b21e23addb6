"""A worker killed with SIGKILL while it processes texts, and while it sends.

Each kill lands while the work is provably in progress: the case holds a row
lock the work needs and waits until PostgreSQL shows the work's connection
blocked on it (``pg_blocking_pids``), so the kill cannot come too early (no
work started) or too late (the work committed), whatever the machine's speed.

Killed mid-processing (the worker and the inbound dispatcher): the case holds
the world's conversations; the dispatcher claims a batch of stored texts (their
delivery rows locked) and waits on the conversations. The batch never commits:
its deliveries are pending again once its connection is gone, and the new
processes bring every text to the inbox exactly once. /readyz names the workers
once the dead one's heartbeat is stale.

Killed mid-send: the provider holds its answer to the first sends; the case
holds the messages whose attempt is ``calling``; the worker gets the provider's
answer and waits on the message to record it. The provider has the text, our
records do not: at most once (docs/operations.md, "No SMS sent twice"), the
redelivered send finds the dead run's CALLING attempt and marks the reply
failed, outcome_unknown, with a reason the agent reads; the provider receives
each reply at most once, and every reply ends sent or failed with a reason.
"""

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

TEXTS, REPLIES = 100, 12

CONVERSATIONS = "SELECT id FROM conversations_conversation WHERE tenant_id = %s FOR UPDATE"
PENDING = "SELECT id FROM channels_sms_webhookdelivery WHERE tenant_id = %s AND state = 'pending'"
CALLING = (
    "SELECT m.id FROM conversations_message m WHERE m.tenant_id = %s "
    "AND m.direction = 'outbound' AND EXISTS (SELECT 1 FROM channels_sms_sendattempt a "
    "WHERE a.message_id = m.id AND a.outcome = 'calling') FOR UPDATE OF m"
)


def test_a_worker_killed_mid_processing_and_mid_send_loses_and_doubles_nothing(healthy, report):
    platform = healthy
    world = platform.worlds["worker"]

    # Mid-processing. One text per sender first: their conversations exist.
    texts = platform.texts(world, TEXTS, senders=REPLIES)
    first, rest = texts[:REPLIES], texts[REPLIES:]
    assert all(a.status == 200 for a in platform.send_all(first))
    assert platform.wait_inbound(world, REPLIES) == REPLIES
    with (
        platform.holding(CONVERSATIONS, world.tenant_id) as (holder, _),
        ThreadPoolExecutor(1) as pool,
    ):
        posting = pool.submit(platform.send_all, rest)  # texts arrive meanwhile
        blocked = platform.wait_blocked_by(holder)
        in_batch = platform.locked_elsewhere(PENDING, world.tenant_id)
        stored_at_kill = platform.inbound(world)[0]
        platform.kill_worker()
        answers = posting.result()
    # The lock released: the dead dispatcher's server process gets it, finds its
    # client gone and rolls the batch back.
    down = platform.wait_down("workers")
    platform.start_worker()
    messages = platform.wait_inbound(world, TEXTS)
    count, distinct = platform.inbound(world)
    report(
        f"faults: worker_killed_processing texts_sent={TEXTS} blocked_at_kill={len(blocked)} "
        f"in_batch_at_kill={in_batch} stored_at_kill={stored_at_kill} messages={messages} "
        f"duplicates={count - distinct} readyz_down={','.join(down)}"
    )
    assert [role for _, role in blocked] == ["instaply_app"], "no batch waited on the lock"
    assert in_batch >= 1, "no delivery was claimed by the batch when it was killed"
    assert stored_at_kill == REPLIES  # the batch had committed nothing
    assert all(a.status == 200 for a in answers), Counter(a.status for a in answers)
    assert "workers" in down
    assert (count, distinct) == (TEXTS, TEXTS)

    # Mid-send: the provider holds its answer to the first two sends 1.5 s
    # (under the 2 s call timeout), long enough to see their attempts calling.
    assert platform.wait_ready(), platform.readyz().body
    platform.sim.add_fault(count=2, status=201, delay=1.5, provider="twilio")
    bodies = [f"Your order is ready ({uuid.uuid4().hex[:8]})" for _ in range(REPLIES)]
    for conversation_id, body in zip(platform.conversation_ids(world), bodies, strict=True):
        assert platform.reply(world, conversation_id, body).status == 201
    with platform.holding(CALLING, world.tenant_id) as (holder, held):
        # Answered or timed out, the send waits on its message to record it.
        blocked = platform.wait_blocked_by(holder)
        platform.kill_worker()
    platform.start_worker()
    replies = platform.wait_replies_final(world)
    at_provider = Counter(
        m["body"] for m in platform.sim.messages(direction="outbound", from_=world.number)
    )
    statuses = Counter(r[1] for r in replies)
    unknown = {r[0] for r in replies if r[2] == "outcome_unknown"}
    report(
        f"faults: worker_killed_sending replies={REPLIES} calling_at_kill={len(held)} "
        f"blocked_at_kill={len(blocked)} sent={statuses['sent']} "
        f"failed_outcome_unknown={len(unknown)} at_provider={sum(at_provider.values())} "
        f"sent_twice={sum(n > 1 for n in at_provider.values())}"
    )
    assert blocked, "no send waited on the lock: none was in flight when the worker was killed"
    assert len(replies) == REPLIES
    assert max(at_provider.values()) == 1  # no SMS sent twice
    assert set(statuses) <= {"sent", "failed"}, statuses  # final, none left queued
    assert all(r[3] for r in replies if r[1] == "failed")  # with a reason to read
    assert {row[0] for row in held} <= unknown  # the sends in flight: in doubt, not resent
    # What is marked sent reached the provider; a reply in doubt may or may not have.
    sent_bodies = {b for b in bodies if at_provider[b]}
    assert statuses["sent"] <= len(sent_bodies)
    assert statuses["sent"] + len(unknown) == REPLIES
