"""A retry storm: the same webhook 20 times at once, then 1,000 webhooks replayed
in shuffled order (texts sent twice, delivery statuses sent twice and out of
order). Exactly one message per text; a reply's status only moves forward.
"""

import dataclasses
import random
import threading
import time
import urllib.parse
import uuid

from channels_sms.simulator import twilio_api
from tests.faults.deployment import STATUS, WEBHOOK

SAME_TIMES, REPLIES, NEW_TEXTS = 20, 50, 400


def test_the_same_webhook_20_times_and_1000_shuffled_make_one_message_each(healthy, report):
    platform = healthy
    world = platform.worlds["storm"]

    # The same text 20 times at once.
    (text,) = platform.texts(world, 1)
    start = threading.Barrier(SAME_TIMES)

    def send_after_barrier(_):
        start.wait()
        return platform.post(WEBHOOK, *text)

    same = platform.send_all([None] * SAME_TIMES, clients=SAME_TIMES, send=send_after_barrier)
    assert platform.wait_inbound(world, 1) == 1
    time.sleep(1)  # a second copy, were there one, would be stored by now
    assert platform.inbound(world) == (1, 1)
    assert all(a.status == 200 for a in same), [a.status for a in same]

    # Replies to REPLIES conversations, sent by the worker; their statuses come later.
    assert all(a.status == 200 for a in platform.send_all(platform.texts(world, REPLIES)))
    assert platform.wait_inbound(world, 1 + REPLIES) == 1 + REPLIES
    for conversation_id in platform.conversation_ids(world)[:REPLIES]:
        body = f"See you at the shop ({uuid.uuid4().hex[:8]})"
        assert platform.reply(world, conversation_id, body).status == 201
    replies = platform.wait_replies_final(world)
    assert [r[1] for r in replies] == ["sent"] * REPLIES

    # 1,000 webhooks: 400 new texts twice each, "sent" and "delivered" of each reply twice.
    new_texts = platform.texts(world, NEW_TEXTS)
    callbacks = status_callbacks(platform, world)
    storm = [(WEBHOOK, t) for t in new_texts * 2] + [(STATUS, c) for c in callbacks * 2]
    random.Random(16).shuffle(storm)
    answers = platform.send_all(storm, send=lambda item: platform.post(item[0], *item[1]))
    expected = 1 + REPLIES + NEW_TEXTS
    messages = platform.wait_inbound(world, expected)
    final = wait_all_delivered(platform, world)
    count, distinct = platform.inbound(world)
    # A status that changes nothing (a "sent" after "delivered") may still be
    # waiting for the worker once every message and status is final.
    pending = wait_none_pending(platform, world)
    report(
        f"faults: retry_storm same_webhook_x{SAME_TIMES} messages_from_it=1 "
        f"replayed={len(storm)} answered_2xx={sum(200 <= a.status < 300 for a in answers)} "
        f"messages={messages} expected={expected} duplicates={count - distinct} "
        f"replies_delivered={final.count('delivered')}/{REPLIES} deliveries_pending={pending}"
    )
    assert len(storm) == 1000
    assert all(200 <= a.status < 300 for a in answers), {a.status for a in answers}
    assert (count, distinct) == (expected, expected)
    # Statuses only forward: a "sent" that came after "delivered" left it delivered.
    assert final == ["delivered"] * REPLIES
    assert pending == 0


def status_callbacks(platform, world) -> list:
    """(body, headers) of a "sent" and a "delivered" callback for each reply,
    signed as the simulator signs them."""
    sim = platform.sim.sim
    account = sim.account_for("twilio", sid=world.account_ref)
    callbacks = []
    for record in sim.state.messages(direction="outbound", from_=world.number):
        for status in ("sent", "delivered"):
            hook = twilio_api.status_webhook(account, dataclasses.replace(record, status=status))
            headers = hook.headers | {"Content-Type": "application/x-www-form-urlencoded"}
            callbacks.append((urllib.parse.urlencode(hook.params), headers))
    return callbacks


def wait_none_pending(platform, world, limit: float = 60) -> int:
    """Webhook deliveries of the tenant still waiting, once none is (or at the limit)."""
    deadline = time.monotonic() + limit
    while True:
        pending = platform.query(
            "SELECT count(*) FROM channels_sms_webhookdelivery WHERE tenant_id = %s "
            "AND state = 'pending'",
            world.tenant_id,
        )[0][0]
        if pending == 0 or time.monotonic() > deadline:
            return pending
        time.sleep(0.5)


def wait_all_delivered(platform, world, limit: float = 60) -> list[str]:
    deadline = time.monotonic() + limit
    while True:
        statuses = [r[1] for r in platform.outbound(world)]
        if statuses == ["delivered"] * REPLIES or time.monotonic() > deadline:
            return statuses
        time.sleep(0.5)
