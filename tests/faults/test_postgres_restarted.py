"""PostgreSQL restarted under traffic.

Texts, inbox reads and /readyz keep coming while PostgreSQL stops (fast
shutdown: connections cut) and starts again 6 s later. A request waits for a
database connection up to DATABASE_POOL_TIMEOUT_SECONDS (2 s here, 10 s by
default), then is refused: during the outage every refused request is a JSON 503 (a provider sends a 5xx'd text
again, which the case does); /readyz names the database. Afterwards the same
web tier and the same worker serve and process again, without a restart, and
every text is in the inbox once.
"""

import threading
import time

from tests.faults.deployment import WEBHOOK, call

OUTAGE_SECONDS = 6


def test_requests_during_a_postgres_restart_get_json_503_and_everything_recovers(healthy, report):
    platform = healthy
    world = platform.worlds["postgres"]
    tier_pid, worker_pid = platform.tier.process.pid, platform.worker.pid
    texts = iter(platform.texts(world, 2000))
    taken, answers, down_seen = [], [], set()
    lock, done = threading.Lock(), threading.Event()

    def texting():
        while not done.is_set():
            with lock:
                text = next(texts)
                taken.append(text)
            answer = platform.post(WEBHOOK, *text)
            with lock:
                answers.append(("webhook", text, answer))
            time.sleep(0.02)

    def reading():
        while not done.is_set():
            answer = platform.api(world, "GET", "/api/v1/conversations?limit=25")
            with lock:
                answers.append(("inbox", None, answer))
            time.sleep(0.05)

    def probing():
        while not done.is_set():
            down_seen.update(platform.down())
            time.sleep(0.3)

    threads = [threading.Thread(target=f) for f in (texting, texting, reading, probing)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        platform.pg.stop("fast")
        stopped = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        platform.pg.start()
        started = time.monotonic()
        time.sleep(3)
    finally:
        done.set()
        for thread in threads:
            thread.join(30)

    during = [a for _, _, a in answers if stopped <= a.started < started]
    refused = [(kind, text, a) for kind, text, a in answers if not 200 <= a.status < 300]
    not_json_503 = [
        (kind, a.status, a.content_type, a.body[:120])
        for kind, _, a in refused
        if a.status != 503
        or not a.content_type.startswith("application/json")
        or "error" not in a.json()
    ]
    # The provider sends again each text it got a 503 for.
    resent = [text for kind, text, _ in refused if kind == "webhook"]
    again = platform.send_all(resent)
    messages = platform.wait_inbound(world, len(taken))
    count, distinct = platform.inbound(world)
    after = platform.api(world, "GET", "/api/v1/conversations?limit=25")
    report(
        f"faults: postgres_restarted outage_s={OUTAGE_SECONDS} requests={len(answers)} "
        f"during_outage={len(during)} slowest_during_s={max(a.seconds for a in during):.1f} "
        f"answered_503={sum(a.status == 503 for _, _, a in refused)} other_errors={len(not_json_503)} "
        f"texts_sent={len(taken)} resent={len(resent)} messages={messages} "
        f"duplicates={count - distinct} readyz_down={','.join(sorted(down_seen))}"
    )
    assert "database" in down_seen
    assert during, "no request was sent during the outage"
    assert any(kind == "webhook" for kind, _, _ in refused), "no text met the outage"
    assert not_json_503 == []
    assert all(200 <= a.status < 300 for a in again)
    assert (count, distinct) == (len(taken), len(taken))
    assert after.status == 200
    # Recovered without a restart: the same processes.
    assert (platform.tier.process.poll(), platform.worker.poll()) == (None, None)
    assert (platform.tier.process.pid, platform.worker.pid) == (tier_pid, worker_pid)
    assert call(platform.tier.port, "GET", "/readyz").status == 200
