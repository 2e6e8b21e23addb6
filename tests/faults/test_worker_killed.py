"""A worker killed with SIGKILL while it processes texts, and while it sends.

Killed mid-processing (the worker and the inbound dispatcher, SIGKILL while
texts arrive): the batch the dispatcher held rolls back to pending; the new
processes bring every text to the inbox exactly once. /readyz names the workers once the dead one's heartbeat is stale.

Killed mid-send (a slow provider holds its answers): the provider may have the
text, we do not know. At most once (docs/operations.md, "No SMS sent twice"):
the redelivered send finds the dead run's CALLING attempt and marks the reply
failed, outcome_unknown, with a reason the agent reads; the provider receives
each reply at most once, and every reply ends sent or failed with a reason.
"""

import threading
import time
import uuid
from collections import Counter

TEXTS, REPLIES = 100, 12


def test_a_worker_killed_mid_processing_and_mid_send_loses_and_doubles_nothing(healthy, report):
    platform = healthy
    world = platform.worlds["worker"]

    # Mid-processing.
    texts = platform.texts(world, TEXTS, senders=REPLIES)
    posting = threading.Thread(target=platform.send_all, args=(texts,))
    posting.start()
    stored_at_kill = wait_for(lambda: platform.inbound(world)[0], at_least=10)
    platform.kill_worker()
    posting.join()
    down = platform.wait_down("workers")
    platform.start_worker()
    platform.sweep()
    messages = platform.wait_inbound(world, TEXTS)
    count, distinct = platform.inbound(world)
    report(
        f"faults: worker_killed_processing texts_sent={TEXTS} stored_at_kill={stored_at_kill} "
        f"messages={messages} duplicates={count - distinct} readyz_down={','.join(down)}"
    )
    assert "workers" in down
    assert stored_at_kill < TEXTS, "the worker had finished before it was killed"
    assert (count, distinct) == (TEXTS, TEXTS)

    # Mid-send: the provider holds its answer 1.5 s (under the 2 s call timeout),
    # then accepts; the worker dies while it waits.
    assert platform.wait_ready(), platform.readyz().body
    platform.sim.add_fault(count=2, status=201, delay=1.5, provider="twilio")
    bodies = [f"Your order is ready ({uuid.uuid4().hex[:8]})" for _ in range(REPLIES)]
    for conversation_id, body in zip(platform.conversation_ids(world), bodies, strict=True):
        assert platform.reply(world, conversation_id, body).status == 201
    calling_at_kill = wait_for(lambda: calling(platform, world), at_least=1)
    platform.kill_worker()
    platform.start_worker()
    replies = platform.wait_replies_final(world)
    at_provider = Counter(
        m["body"] for m in platform.sim.messages(direction="outbound", from_=world.number)
    )
    statuses = Counter(r[1] for r in replies)
    unknown = [r for r in replies if r[2] == "outcome_unknown"]
    report(
        f"faults: worker_killed_sending replies={REPLIES} calling_at_kill={calling_at_kill} "
        f"sent={statuses['sent']} failed_outcome_unknown={len(unknown)} "
        f"at_provider={sum(at_provider.values())} sent_twice={sum(n > 1 for n in at_provider.values())}"
    )
    assert len(replies) == REPLIES
    assert max(at_provider.values()) == 1  # no SMS sent twice
    assert set(statuses) <= {"sent", "failed"}, statuses  # final, none left queued
    assert all(r[3] for r in replies if r[1] == "failed")  # with a reason to read
    assert unknown, "no send was in flight when the worker was killed"
    # What is marked sent reached the provider; a reply in doubt may or may not have.
    sent_bodies = {b for b in bodies if at_provider[b]}
    assert statuses["sent"] <= len(sent_bodies)


def wait_for(read, *, at_least: int, limit: float = 60) -> int:
    deadline = time.monotonic() + limit
    while (value := read()) < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def calling(platform, world) -> int:
    return platform.query(
        "SELECT count(*) FROM channels_sms_sendattempt WHERE tenant_id = %s AND outcome = 'calling'",
        world.tenant_id,
    )[0][0]
