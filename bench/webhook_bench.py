"""Inbound SMS webhook throughput and latency, against bare views in the same run.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/webhook_bench.py

The web tier as docker-compose.yml serves it (bench/processes.py WebTier:
gunicorn, instaply.gunicorn_conf, the ASGI application, production settings,
the application role under row-level security) on loopback, with the bench's
URLs added (bench/_webhook_urls.py) and a bare native route in front of its
application (bench/_webhook_asgi.py), and pre-signed requests, each with its own
MessageSid, sent by wrk (Debian's package, installed with apt-get when
missing) on keep-alive connections. Baseline and webhook phases alternate, in
rounds; the figures are medians. Rates and percentiles count 2xx answers only;
the first other answer stops the run, and so does wrk running out of distinct
requests (repeats would be answered by the deduplication, cheaply). Printed,
with the targets:

1. Twilio inbound webhooks per second (signature check, rate limit, durable
   storage), by both paths of the same tier in the same run: the native intake
   on the event loop (channels_sms/webhooks/intake.py, SMS_WEBHOOK_INTAKE, on
   by default; the rows of webhooks arriving together share a commit) and the
   view through a2wsgi's threads (at a second address the intake does not
   serve); each as a
   ratio of a bare POST view answering empty TwiML through the whole middleware
   stack, of one served where webhooks are (/webhooks/, the same front as the
   view), and of a bare POST answered on the event loop without Django. Target: at least 0.4.
2. What one webhook sends PostgreSQL, read off the wire: statements
   (row-level security's set_config included) and round trips. Target: at most
   2 round trips, with synchronous_commit on.
3. p50 / p99 latency of the webhook at the stated concurrency. Target: p99 < 50 ms.
4. The tier's CPU per request (gunicorn's processes, from /proc), and the
   webhook's CPU step by step in a process set up as the tier
   (bench/_webhook_steps.py), down to what no step names.

Inbound processing (a worker turning stored webhooks into messages) is
bench/inbound_bench.py's.
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from _webhook_load import write_requests, wrk_load  # noqa: E402

from bench.processes import WebTier, application_url  # noqa: E402

WEBHOOK = "/webhooks/twilio/sms/"
VIEW_WEBHOOK = "/webhooks/by-view/twilio/sms/"  # bench/_webhook_urls.py
WEBHOOKS = {"webhook, native intake": WEBHOOK, "webhook, view (a2wsgi)": VIEW_WEBHOOK}
BARES = {
    "bare (whole stack)": "/bench/bare-twiml/",
    "bare (webhook front)": "/webhooks/bench-bare/",
    "bare (native ASGI)": "/native/bare-twiml/",  # bench/_webhook_asgi.py
}
IN_PROCESS = ("bare (whole stack)", "bare (webhook front)")  # through Django's WSGI handler
# Fixed, so rows of an earlier run stay readable; never a real key.
BENCH_KEYS = "v1:" + base64.b64encode(hashlib.sha256(b"instaply webhook bench").digest()).decode()


def require_services() -> None:
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not redis:
        sys.exit(
            "webhook_bench needs PostgreSQL and Redis: set DATABASE_URL=postgres://... and "
            "REDIS_URL=redis://... (the figures are about durable storage and a real queue)."
        )


# Set-up, in this process -------------------------------------------------------


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "_webhook_settings"
    os.environ["INSTAPLY_MASTER_KEYS"] = BENCH_KEYS
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from _django import migrate_both

    migrate_both()


def require_wrk() -> None:
    if shutil.which("wrk"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True)


def bench_tenant(label: str = "Webhook bench"):
    """A tenant with a shop, a Twilio account and one number: (tenant, account, number)."""
    from channels_sms.models import PhoneNumber, ProviderAccount
    from tenants.models import Shop, Tenant

    tag = uuid.uuid4().hex[:12]
    slug = label.lower().replace(" ", "-")
    tenant = Tenant.objects.create(name=f"{label} {tag}", slug=f"{slug}-{tag}")
    shop = Shop.objects.create(tenant=tenant, name="Bench shop")
    account = ProviderAccount.objects.create(
        tenant=tenant, provider="twilio", account_ref="AC" + uuid.uuid4().hex, auth_token=tag
    )
    number = PhoneNumber.objects.create(
        tenant=tenant,
        shop=shop,
        account=account,
        provider="twilio",
        number=f"+1202{int(tag[:8], 16) % 10_000_000:07d}",
    )
    return tenant, account, number


def signed_requests(
    account, number, base_url: str, count: int, senders: int, path: str = WEBHOOK
) -> list:
    """(body, headers) per request: a distinct MessageSid each, signed like Twilio."""
    from channels_sms.simulator import twilio_api
    from channels_sms.simulator.state import Account

    sim_account = Account(
        provider="twilio",
        sid=account.account_ref,
        secret=account.auth_token,
        inbound_webhook_url=base_url + path,
    )
    requests = []
    for n in range(count):
        hook = twilio_api.inbound_webhook(
            sim_account,
            sid="SM" + uuid.uuid4().hex,
            from_=f"+336{10000000 + n % senders:08d}",
            to=number.number,
            body=f"Hello, is order {n} ready for pickup?",
        )
        body = urllib.parse.urlencode(hook.params)
        headers = hook.headers | {"Content-Type": "application/x-www-form-urlencoded"}
        requests.append((body, headers))
    return requests


def synchronous_commit() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


# The run ---------------------------------------------------------------------


def step_costs(env: dict, base_url: str, account, number, rounds: int) -> dict:
    """bench/_webhook_steps.py in a process with the tier's environment."""
    paths = {"webhook": WEBHOOK} | {name: BARES[name] for name in IN_PROCESS}
    count = rounds * (len(paths) + 4) + 400  # the view's figures, then the intake's
    with tempfile.NamedTemporaryFile("w+", suffix=".tsv") as lines:
        write_requests(Path(lines.name), signed_requests(account, number, base_url, count, count))
        output = subprocess.run(
            [sys.executable, str(BENCH / "_webhook_steps.py"), lines.name, str(rounds)]
            + [json.dumps(paths)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    if output.returncode:
        raise SystemExit(f"_webhook_steps failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def phase(tier, load, path, requests, args, distinct) -> dict:
    cpu = tier.cpu_seconds()
    figures = load(tier.port, path, requests, args.concurrency, args.seconds, distinct=distinct)
    return figures | {"tier_cpu_us": (tier.cpu_seconds() - cpu) / figures["count"] * 1e6}


def alternate(tier, requests, args) -> dict[str, list[dict]]:
    """Rounds of every phase, the order turning each round, so a neighbour's
    load hits all alike; each webhook phase gets requests never sent before
    (``requests``: the signed requests of each webhook path, by name)."""
    names = [*WEBHOOKS, *BARES]
    runs: dict[str, list[dict]] = {name: [] for name in names}
    per_round = len(requests[WEBHOOK]) // args.rounds
    for r in range(args.rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            path = WEBHOOKS.get(name) or BARES[name]
            fresh = requests[path][r * per_round : (r + 1) * per_round]
            distinct = name in WEBHOOKS
            runs[name].append(phase(tier, wrk_load, path, fresh, args, distinct))
    return runs


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def report(args, runs, steps, commit) -> None:
    print(
        f"inbound Twilio webhook, web tier as docker-compose.yml serves it (gunicorn "
        f"{os.environ.get('WEB_WORKERS', '2')} uvicorn workers, ASGI); PostgreSQL as the "
        f"application role (row-level security), Redis; {os.cpu_count()} CPUs; wrk on "
        f"loopback, {args.concurrency} connections; {args.rounds} rounds of {args.seconds} s "
        f"per phase, alternating; medians"
    )
    print(f"  load average before / after        {args.load_before} / {_load_average()}")
    for name in BARES:
        print(f"  {name + ', empty TwiML':<34} {median(runs[name], 'rate'):>9,.0f} req/s")
    for hook in WEBHOOKS:
        print(f"  {hook:<34} {median(runs[hook], 'rate'):>9,.0f} req/s")
    for hook in WEBHOOKS:
        for name in BARES:
            ratios = [h["rate"] / b["rate"] for h, b in zip(runs[hook], runs[name], strict=True)]
            print(
                f"  ratio {hook} / {name:<20} {statistics.median(ratios):>5.2f}   "
                f"(rounds {min(ratios):.2f}-{max(ratios):.2f}; target >= 0.4)"
            )
    native, view = (runs[name] for name in WEBHOOKS)
    ratios = [n["rate"] / v["rate"] for n, v in zip(native, view, strict=True)]
    print(
        f"  native intake / view, same rounds     {statistics.median(ratios):>5.2f}   "
        f"(rounds {min(ratios):.2f}-{max(ratios):.2f})"
    )
    trips = steps["trips"]
    verbs = ", ".join(
        sql.split()[0] + (" set_config" if "set_config" in sql else "")
        for sql in trips["statements"]
    )
    print(
        f"  DB round trips per webhook (view)  {trips['round_trips']:>9}   (target <= 2; "
        f"{len(trips['statements'])} statements on the wire: {verbs}); the native intake: "
        "one execute of one query text (set_config; INSERT)"
    )
    print(f"  synchronous_commit                 {commit:>9}   (no asynchronous commit)")
    for hook in WEBHOOKS:
        p99s = [run["p99"] * 1000 for run in runs[hook]]
        print(
            f"  {hook} p50 / p99  {median(runs[hook], 'p50') * 1000:>6.1f} / "
            f"{statistics.median(p99s):.1f} ms (worst round {max(p99s):.1f}) at "
            f"{args.concurrency} connections   (target p99 < 50 ms)"
        )
    answered = sum(run["count"] for phases in runs.values() for run in phases)
    print(f"  2xx answers counted                {answered:>9,}   (any other stops the run)")
    for hook in WEBHOOKS:
        print(f"  wrk CPU, {hook:<25} {median(runs[hook], 'generator_cpu'):>9.2f} cores")
    print(
        "  CPU per request (µs), tier (gunicorn processes, /proc) / in-process (Django WSGI;"
        " the event-loop paths through the tier's ASGI application):"
    )
    in_process = {"webhook, view (a2wsgi)": "webhook"} | {name: name for name in IN_PROCESS}
    native = steps["native"]["whole"]
    event_loop = {"webhook, native intake": native["webhook"], "bare (native ASGI)": native["bare"]}
    for name in [*WEBHOOKS, *BARES]:
        own = steps["whole"].get(in_process.get(name, ""), event_loop.get(name))
        print(
            f"    {name:<30} {median(runs[name], 'tier_cpu_us'):>7,.0f} / "
            + (f"{own:>7,.0f}" if own is not None else "      -")
        )
    print("  the view's in-process CPU, step by step (µs, exclusive of the steps inside):")
    named = 0.0
    for name, spent in sorted(steps["steps"].items(), key=lambda item: -item[1]):
        print(f"    {name:<52} {spent:>7,.0f}")
        named += spent
    whole = steps["whole"]["webhook"]
    print(
        f"    {'unaccounted (whole, uninstrumented, minus the steps)':<52} {whole - named:>7,.0f}"
    )
    print(
        f"    {'whole request':<52} {whole:>7,.0f}   (instrumented: "
        f"{steps['instrumented']:,.0f}, {steps['timer_us']:.1f} µs per timed call taken off "
        "its caller; the server's own layers are the tier's figure minus the whole)"
    )
    print_native_steps(runs, steps["native"], steps["timer_us"])


def print_native_steps(runs, native: dict, timer_us: float) -> None:
    """The native intake's CPU by step (bench/_intake_steps.py), down to what no
    step names, and what the server's layers add to it."""
    print(
        "  the native intake's in-process CPU, step by step (µs, exclusive of the steps"
        " inside; one request in flight, the event loop's work for a step's I/O in it):"
    )
    named = 0.0
    for name, spent in sorted(native["steps"].items(), key=lambda item: -item[1]):
        print(f"    {name:<52} {spent:>7,.0f}")
        named += spent
    whole = native["whole"]["webhook"]
    print(f"    {'not in any named step (whole minus the steps)':<52} {whole - named:>7,.0f}")
    print(
        f"    {'whole request (tier application, in-process)':<52} {whole:>7,.0f}   "
        f"(instrumented: {native['instrumented']:,.0f}, {timer_us:.1f} µs per timed call"
        " taken off its caller)"
    )
    together = native["whole"]["webhook, 16 in flight"]
    print(
        f"    {'whole request, 16 in flight (uninstrumented)':<52} {together:>7,.0f}   (the"
        f" serial whole less this: {whole - together:,.0f}, the loop's sleeps and wake-ups"
        " between one request's round trips)"
    )
    tier = median(runs["webhook, native intake"], "tier_cpu_us")
    print(
        f"    {'the server (uvicorn, HTTP, sockets): tier minus 16 in flight':<52}"
        f" {tier - together:>7,.0f}"
        f"   (the bare POST on the event loop: {native['whole']['bare']:,.0f} in-process,"
        f" {median(runs['bare (native ASGI)'], 'tier_cpu_us'):,.0f} in the tier)"
    )


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def purge(queue: str) -> None:
    from instaply.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per phase and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of alternating phases")
    parser.add_argument("--concurrency", type=int, default=16, help="open connections")
    parser.add_argument("--requests", type=int, default=60000, help="distinct signed requests")
    parser.add_argument("--step-rounds", type=int, default=500, help="requests per step figure")
    args = parser.parse_args()
    require_services()
    require_wrk()
    args.load_before = _load_average()
    setup_django()
    tenant, account, number = bench_tenant()
    queue = f"webhook-bench-{uuid.uuid4().hex[:8]}"
    owner_url = os.environ["DATABASE_URL"]
    tier = WebTier(
        app="_webhook_asgi:application",  # instaply.asgi's, with the native bare route
        database_url=application_url(owner_url),
        keys=BENCH_KEYS,
        overrides={
            "DJANGO_SETTINGS_MODULE": "_webhook_settings",
            "PYTHONPATH": f"{BENCH}:{ROOT}",
            "BENCH_CELERY_QUEUE": queue,
            "LOG_LEVEL": "WARNING",
            # The native intake (SMS_WEBHOOK_INTAKE, on by default), set explicitly here.
            "SMS_WEBHOOK_INTAKE": "true",
            # Every request is for one number: lift its per-number rate limit (the
            # counter still runs, in Redis, on every request).
            "RATE_LIMITS": "sms_webhook=100000000/m",
        },
    )
    base_url = tier.env["PUBLIC_BASE_URL"]
    try:
        steps = step_costs(tier.env, base_url, account, number, args.step_rounds)
        purge(queue)
        requests, warm = {}, {}
        for path in WEBHOOKS.values():
            n = args.requests
            requests[path] = signed_requests(account, number, base_url, n, n, path)
            warm[path] = signed_requests(account, number, base_url, 2000, 2000, path)
        with tier:
            # Warm-up: connections, pools, key caches, the route book.
            for path in BARES.values():
                wrk_load(tier.port, path, warm[WEBHOOK], args.concurrency, 2, distinct=False)
            for path in WEBHOOKS.values():
                wrk_load(tier.port, path, warm[path], args.concurrency, 2, distinct=False)
            runs = alternate(
                tier, requests | dict.fromkeys(BARES.values(), requests[WEBHOOK]), args
            )
        report(args, runs, steps, synchronous_commit())
    finally:
        purge(queue)
        _cleanup(tenant)


def _cleanup(tenant) -> None:
    """Removes the bench tenant and everything it made (keys last: they are protected)."""
    from channels_sms.models import PhoneNumber, ProviderAccount, WebhookDelivery
    from conversations.models import Contact, Conversation, FeedEvent, Message
    from privacy.models import DataKey, TenantKey

    for model in (WebhookDelivery, Message, FeedEvent, Conversation, Contact, PhoneNumber):
        model.objects.for_tenant(tenant).delete()
    for model in (ProviderAccount, DataKey, TenantKey):
        model.objects.for_tenant(tenant).delete()
    tenant.delete()


if __name__ == "__main__":
    main()
