"""Inbound processing against webhook intake, on the compose tier, in one run.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/inbound_bench.py \
        [--rounds 3] [--seconds 8] [--lanes 4] [--senders 200]

The web tier is the `web` service's command of docker-compose.yml (production
settings, connecting as the application role under row-level security) on
loopback; the processing is the compose file's `dispatcher` service (2
processes, the CPU budget compose gives inbound work). Each round:

(a) intake: with no dispatcher running, wrk (bench/_webhook_load.py) posts
    distinct signed Twilio texts, spread over ``--lanes`` tenants (one number
    each), for ``--seconds``: webhooks/s answered 2xx, each stored durably;
(b) processing: the 2 dispatchers start on the backlog (a) stored and drain it:
    texts/s from the first message landed to the last delivery committed
    (timestamps written by the processing itself, so start-up is not counted).

Printed per round and as medians: both rates and their ratio (target >= 0.5),
and the exact count check: texts accepted = deliveries stored = messages
stored = live-feed entries. Before the rounds, one text from every sender is
processed untimed, so the rounds measure returning customers (their contacts,
keys and open conversations exist), as a busy platform sees them.
"""

import argparse
import http.client
import os
import shutil
import statistics
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT, BENCH = Path(__file__).resolve().parents[1], Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]

WEBHOOK = "/webhooks/twilio/sms/"
# The CPU budget compose gives inbound processing: its `dispatcher` replicas.
DISPATCHERS = 2


def require_services() -> None:
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not redis:
        sys.exit("inbound_bench needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL.")


def lanes_create(count: int) -> list:
    """``count`` tenants with one Twilio number each: (tenant, account, number)."""
    from webhook_bench import bench_tenant

    return [bench_tenant("Inbound bench") for _ in range(count)]


def post_each(port: int, requests: list) -> None:
    """Sends each request once, in turn, on one keep-alive connection (the untimed
    warm-up: every text must be stored exactly once, which wrk cannot promise)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for body, headers in requests:
            connection.request("POST", WEBHOOK, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                sys.exit(f"warm-up webhook answered {response.status}")
    finally:
        connection.close()


def signed_texts(lanes, base_url: str, count: int, senders: int, first: int = 0) -> list:
    """(body, headers) per text, round-robin over the lanes, each with its own
    MessageSid, signed as Twilio signs over the public URL."""
    from channels_sms.simulator import twilio_api
    from channels_sms.simulator.state import Account

    accounts = [
        Account(
            provider="twilio",
            sid=account.account_ref,
            secret=account.auth_token,
            inbound_webhook_url=base_url + WEBHOOK,
        )
        for _, account, _ in lanes
    ]
    texts = []
    for n in range(first, first + count):
        lane = n % len(lanes)
        hook = twilio_api.inbound_webhook(
            accounts[lane],
            sid="SM" + uuid.uuid4().hex,
            from_=f"+336{10_000_000 + (n // len(lanes)) % senders:08d}",
            to=lanes[lane][2].number,
            body=f"Hello, is order {n} ready for pickup?",
        )
        body = urllib.parse.urlencode(hook.params)
        texts.append((body, hook.headers | {"Content-Type": "application/x-www-form-urlencoded"}))
    return texts


def counts(tenants) -> dict:
    """Deliveries (by state), inbound messages and feed entries of the bench's tenants."""
    from django.db.models import Count

    from channels_sms.models import WebhookDelivery
    from conversations.models import FeedEvent, Message

    def every(model, reason):
        return model.objects.dangerously_unscoped(reason=reason).filter(tenant__in=tenants)

    states = dict(
        every(WebhookDelivery, "bench: counting").values_list("state").annotate(n=Count("pk"))
    )
    return {
        "stored": sum(states.values()),
        "pending": states.get("pending", 0),
        "processed": states.get("processed", 0),
        "messages": every(Message, "bench: counting").filter(direction="inbound").count(),
        "feed": every(FeedEvent, "bench: counting").filter(kind="message.created").count(),
    }


def drain(tenants, env: dict, since, limit: float = 900) -> tuple[float, int]:
    """Starts the dispatchers, waits until nothing is pending, stops them; returns
    (seconds from the first message landed to the last delivery processed, texts)."""
    from django.db.models import Count, Max, Min

    from bench.processes import start_dispatcher, start_worker, stop
    from channels_sms.models import WebhookDelivery
    from conversations.models import Message

    if env["SMS_INBOUND_DISPATCH"] == "dispatcher":
        dispatchers = [start_dispatcher(env) for _ in range(DISPATCHERS)]
    else:  # the task per delivery, as before: a Celery worker with as many processes
        dispatchers = [start_worker("celery", DISPATCHERS, env)]
    try:
        deadline = time.monotonic() + limit
        while counts(tenants)["pending"] and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for process in dispatchers:
            stop(process)
    landed = (
        Message.objects.dangerously_unscoped(reason="bench: timing")
        .filter(tenant__in=tenants, direction="inbound", created_at__gte=since)
        .aggregate(first=Min("created_at"), n=Count("pk"))
    )
    last = (
        WebhookDelivery.objects.dangerously_unscoped(reason="bench: timing")
        .filter(tenant__in=tenants, processed_at__gte=since)
        .aggregate(last=Max("processed_at"))["last"]
    )
    return (last - landed["first"]).total_seconds(), landed["n"]


def intake(tier, texts: list, args) -> dict:
    from _webhook_load import wrk_load

    return wrk_load(tier.port, WEBHOOK, texts, args.concurrency, args.seconds)


def load_average() -> str:
    return " / ".join(f"{n:.1f}" for n in os.getloadavg()) + " (1 / 5 / 15 min)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8, help="intake phase of a round")
    parser.add_argument("--concurrency", type=int, default=16, help="open connections")
    parser.add_argument("--lanes", type=int, default=4, help="tenants, one number each")
    parser.add_argument("--senders", type=int, default=200, help="phones per lane")
    parser.add_argument(
        "--per-second",
        type=int,
        default=3000,
        help="texts signed per second of the intake phase (above the native intake's rate)",
    )
    parser.add_argument(
        "--path",
        choices=["dispatcher", "task"],
        default="dispatcher",
        help="task: the former path, a Celery task per webhook published by the request "
        "and a worker of 2 processes (the comparison)",
    )
    args = parser.parse_args()
    require_services()
    if not shutil.which("wrk"):
        sys.exit("inbound_bench uses wrk (Debian's package): apt-get install wrk")

    # Sets Django up (migrating both databases) with the benches' fixed throwaway
    # master keys, which the tier and the dispatchers get too.
    from django.utils import timezone

    from bench.live_bench import WebTier
    from bench.processes import application_url

    owner_url = os.environ["DATABASE_URL"]
    app_url = application_url(owner_url)
    tier = WebTier(
        database_url=app_url,
        overrides={
            "RATE_LIMITS": "sms_webhook=100000000/m",  # each lane is one number
            "LOG_LEVEL": "ERROR",
            # wrk speaks plain HTTP to the tier, with no TLS proxy in front.
            "SECURE_SSL_REDIRECT": "false",
            "SMS_INBOUND_DISPATCH": "publish" if args.path == "task" else "dispatcher",
        },
    )
    env = tier.env | {"SMS_SIMULATOR_URL": "", "LOG_LEVEL": "WARNING"}
    lanes = lanes_create(args.lanes)
    tenants = [tenant for tenant, _, _ in lanes]
    base = tier.env["PUBLIC_BASE_URL"]
    per_round = args.per_second * args.seconds
    print(
        f"inbound processing vs webhook intake; web tier `{' '.join(tier.command)}` "
        f"(production settings, application role under row-level security), "
        + (
            f"{DISPATCHERS} dispatchers (`manage.py inbound_dispatcher`)"
            if args.path == "dispatcher"
            else f"a task per webhook, a Celery worker of {DISPATCHERS} processes"
        )
        + f"; {os.cpu_count()} CPUs; "
        f"wrk on loopback, {args.concurrency} connections; {args.lanes} tenants x 1 number, "
        f"{args.senders} phones each; load average {load_average()}"
    )
    rows = []
    with tier:
        # Untimed: every sender's first text, so contacts and conversations exist.
        warm = signed_texts(lanes, base, args.lanes * args.senders, args.senders, first=0)
        post_each(tier.port, warm)
        drain(tenants, env, timezone.now())
        before, sent = counts(tenants), len(warm)
        print(f"  warm-up: {len(warm)} texts, one per phone, processed (untimed)")
        print(f"  {'round':>5} {'intake/s':>9} {'processed/s':>12} {'ratio':>6} {'texts':>7}")
        for round_ in range(1, args.rounds + 1):
            texts = signed_texts(lanes, base, per_round, args.senders, first=sent)
            since = timezone.now()
            accepted = intake(tier, texts, args)
            sent += per_round
            seconds, landed = drain(tenants, env, since)
            after = counts(tenants)
            new = {key: after[key] - before[key] for key in after}
            before = after
            rate = landed / seconds
            rows.append((accepted["rate"], rate))
            # wrk counts the answers it read before its time was up; a request still
            # in flight then is stored all the same: at most one per connection.
            agree = (
                new["stored"] == new["processed"] == new["messages"] == new["feed"] == landed
                and 0 <= new["stored"] - accepted["count"] <= args.concurrency
            )
            print(
                f"  {round_:>5} {accepted['rate']:>9,.0f} {rate:>12,.0f} "
                f"{rate / accepted['rate']:>6.2f} {new['stored']:>7,}   count check: "
                f"answered {accepted['count']:,} (+{new['stored'] - accepted['count']} in flight)"
                f", stored {new['stored']:,} = processed {new['processed']:,} = messages "
                f"{new['messages']:,} = feed entries {new['feed']:,}"
                f"   {'agree' if agree else 'DISAGREE'}"
            )
            if not agree:
                sys.exit("counts disagree: something was lost or doubled")
    intake_median = statistics.median(r[0] for r in rows)
    processed_median = statistics.median(r[1] for r in rows)
    print(
        f"  median {intake_median:>8,.0f} {processed_median:>12,.0f} "
        f"{statistics.median(r[1] / r[0] for r in rows):>6.2f}   (target >= 0.5)"
    )
    print(f"  load average at the end {load_average()}")


if __name__ == "__main__":
    main()
