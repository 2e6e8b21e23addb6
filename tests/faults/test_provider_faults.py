"""The provider answering 500s and timing out for a window, and refusing for good.

For PROVIDER_FAULT_SECONDS (15 s here, a minute in the issue; set
FAULTS_PROVIDER_WINDOW_SECONDS for another window) every send gets, in turn, a
500 or an answer held past the 2 s call timeout (the simulator's fault window,
channels_sms/simulator). Sends back off and retry, then each reply is delivered
once after the window. A destination the provider refuses for good (Twilio
21614) ends failed at once with a reason the agent reads, never retried.
"""

import os
import time
import uuid
from collections import Counter

PROVIDER_FAULT_SECONDS = float(os.environ.get("FAULTS_PROVIDER_WINDOW_SECONDS", "15"))
REPLIES = 10
REFUSING_PHONE = f"+336{10000000 + REPLIES:08d}"  # the 11th sender of platform.texts()


def test_provider_errors_and_timeouts_back_off_then_deliver_once(healthy, report):
    platform = healthy
    world = platform.worlds["provider"]
    assert all(a.status == 200 for a in platform.send_all(platform.texts(world, 11, senders=11)))
    assert platform.wait_inbound(world, 11) == 11
    platform.sim.set_destination(REFUSING_PHONE, outcome="rejected", error_code=21614)

    window_ends = time.monotonic() + PROVIDER_FAULT_SECONDS
    platform.sim.add_fault(status=500, seconds=PROVIDER_FAULT_SECONDS, provider="twilio")
    platform.sim.add_fault(status=503, seconds=PROVIDER_FAULT_SECONDS, delay=2.5)
    bodies = {}
    for conversation_id in platform.conversation_ids(world):
        body = f"Your repair is done ({uuid.uuid4().hex[:8]})"
        answer = platform.reply(world, conversation_id, body)
        assert answer.status == 201, answer.body
        bodies[answer.json()["id"]] = body
    during = readyz_providers(platform, until="degraded", limit=PROVIDER_FAULT_SECONDS)
    replies = platform.wait_replies_final(world, limit=PROVIDER_FAULT_SECONDS + 60)
    finished = time.monotonic()
    after = readyz_providers(platform, until="ok", limit=10)

    at_provider = Counter(
        m["body"] for m in platform.sim.messages(direction="outbound", from_=world.number)
    )
    attempts = dict(
        platform.query(
            "SELECT outcome, count(*) FROM channels_sms_sendattempt WHERE tenant_id = %s "
            "GROUP BY outcome",
            world.tenant_id,
        )
    )
    sent = [r for r in replies if r[1] == "sent"]
    failed = [r for r in replies if r[1] == "failed"]
    report(
        f"faults: provider_faults window_s={PROVIDER_FAULT_SECONDS:.0f} replies={len(replies)} "
        f"sent={len(sent)} failed_permanent={len(failed)} attempts_transient="
        f"{attempts.get('transient', 0)} attempts_sent={attempts.get('sent', 0)} "
        f"at_provider={sum(at_provider.values())} sent_twice="
        f"{sum(n > 1 for n in at_provider.values())} "
        f"done_after_window_s={finished - window_ends:.0f} "
        f"refused_code={failed[0][2] if failed else '-'} "
        f"readyz_during={during[0]}:{during[1]} readyz_after={after[0]}:{after[1]}"
    )
    assert len(replies) == REPLIES + 1
    assert len(sent) == REPLIES and len(failed) == 1
    assert all(at_provider[bodies[str(r[0])]] == 1 for r in sent)  # delivered once each
    assert sum(at_provider.values()) == REPLIES  # the refused one never got through
    assert attempts.get("transient", 0) >= REPLIES  # each backed off at least once
    (refused,) = failed
    # Ended by the refusal (not by running out of retries), with a reason to read.
    assert refused[2] and refused[3] and "Gave up" not in refused[3]
    assert refused[2] != "outcome_unknown"
    # /readyz: the failing provider degraded, never down (traffic keeps coming);
    # closed again once sends went through.
    assert during == (200, "degraded"), during
    assert after == (200, "ok"), after


def readyz_providers(platform, *, until: str, limit: float) -> tuple[int, str]:
    """(status, sms_providers) of /readyz once it says ``until``, or the last seen."""
    deadline = time.monotonic() + limit
    while True:
        answer = platform.readyz()
        try:
            seen = (answer.status, answer.json()["checks"]["sms_providers"])
        except (ValueError, KeyError):
            seen = (answer.status, "-")  # no answer, or not the JSON of /readyz
        if seen[1] == until or time.monotonic() > deadline:
            return seen
        time.sleep(0.25)
