"""Redis stopped while texts arrive.

A webhook answers 2xx only once its delivery is a row in PostgreSQL, or 5xx,
which makes the provider send it again; never 2xx and lost. /readyz names the
broker and the cache. The stored delivery is the job: the dispatcher, which
needs no broker, processes it; once Redis is back (empty: it keeps nothing on
disk) the provider's retries of what was refused are stored and processed too,
and every text reaches the inbox once. The sweep still runs by hand
(`manage.py sweep --grace 0`, for the work that does go through the broker).
"""

TEXTS = 150


def test_texts_arriving_while_redis_is_stopped_reach_the_inbox_exactly_once(healthy, report):
    platform = healthy
    world = platform.worlds["redis"]
    texts = platform.texts(world, TEXTS)

    platform.redis.stop()
    down = platform.wait_down("broker")
    answers = platform.send_all(texts)
    statuses = [answer.status for answer in answers]
    accepted = [sid_of(text) for text, a in zip(texts, answers, strict=True) if ok(a.status)]
    # Every 2xx is already a row: the provider will never send it again.
    stored = platform.query(
        "SELECT count(*) FROM channels_sms_webhookdelivery WHERE tenant_id = %s "
        "AND provider_message_id = ANY(%s)",
        world.tenant_id,
        accepted,
    )[0][0]
    refused = [text for text, a in zip(texts, answers, strict=True) if not ok(a.status)]

    platform.redis.start()
    assert platform.wait_ready(), platform.readyz().body
    # The provider sends again what was not answered 2xx; the sweep finds the rest.
    again = platform.send_all(refused)
    platform.sweep()
    messages = platform.wait_inbound(world, TEXTS)
    count, distinct = platform.inbound(world)
    report(
        f"faults: redis_stopped texts_sent={TEXTS} answered_2xx={len(accepted)} "
        f"answered_5xx={sum(500 <= s < 600 for s in statuses)} stored_when_2xx={stored} "
        f"resent={len(refused)} messages={messages} duplicates={count - distinct} "
        f"readyz_down={','.join(down)}"
    )
    assert {"broker", "cache"} <= set(down)
    assert all(ok(s) or 500 <= s < 600 for s in statuses), sorted(set(statuses))
    assert stored == len(accepted)
    assert all(ok(a.status) for a in again)
    assert (count, distinct) == (TEXTS, TEXTS)


def ok(status: int) -> bool:
    return 200 <= status < 300


def sid_of(text) -> str:
    from urllib.parse import parse_qs

    return parse_qs(text[0])["MessageSid"][0]
