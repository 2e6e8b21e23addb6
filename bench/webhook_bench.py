"""Inbound SMS webhook throughput and latency, against a baseline in the same run.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/webhook_bench.py

One gunicorn server on loopback (the deployment's shape: gthread workers)
against PostgreSQL, and pre-signed requests, each with its own MessageSid, from
a load generator on loopback (wrk when installed, else Python processes with
keep-alive connections). Rates and percentiles count 2xx answers only; the
first other answer stops the run, and so does a generator running out of
distinct requests (repeats would be answered by the deduplication, cheaply).
Printed, with the targets:

1. Twilio inbound webhooks per second (signature check, durable storage,
   enqueue) as a ratio of a bare POST view answering empty TwiML through the
   same middleware. Target: at least 0.4.
2. Database round trips of one webhook, counted in-process. Target: at most 2,
   with synchronous_commit on (no asynchronous commit).
3. p50 / p99 latency of the webhook at the stated concurrency. Target: p99 < 50 ms.
4. End to end: inbound messages per second through a Celery worker into the inbox.
"""

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

from _webhook_load import python_load, wrk_load

from bench.processes import free_port, start_worker, stop

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
WEBHOOK, BARE = "/webhooks/twilio/sms/", "/bench/bare-twiml/"


def require_services() -> None:
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not redis:
        sys.exit(
            "webhook_bench needs PostgreSQL and Redis: set DATABASE_URL=postgres://... and "
            "REDIS_URL=redis://... (the figures are about durable storage and a real queue)."
        )


# Set-up, in this process -------------------------------------------------------


def setup_django(port: int, queue: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "_webhook_settings"
    os.environ["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    os.environ["BENCH_CELERY_QUEUE"] = queue
    sys.path[:0] = [str(ROOT), str(BENCH)]
    import django

    django.setup()
    from _django import migrate_both

    migrate_both()


def bench_tenant():
    from channels_sms.models import PhoneNumber, ProviderAccount
    from tenants.models import Shop, Tenant

    tag = uuid.uuid4().hex[:12]
    tenant = Tenant.objects.create(name=f"Webhook bench {tag}", slug=f"webhook-bench-{tag}")
    shop = Shop.objects.create(tenant=tenant, name="Bench shop")
    account = ProviderAccount.objects.create(
        tenant=tenant, provider="twilio", account_ref="AC" + uuid.uuid4().hex, auth_token=tag
    )
    number = PhoneNumber.objects.create(
        tenant=tenant,
        shop=shop,
        account=account,
        provider="twilio",
        number=f"+1202555{int(tag[:6], 16) % 10000:04d}",
    )
    return tenant, account, number


def signed_requests(account, number, base_url: str, count: int, senders: int) -> list:
    """(body, headers) per request: a distinct MessageSid each, signed like Twilio."""
    from channels_sms.simulator import twilio_api
    from channels_sms.simulator.state import Account

    sim_account = Account(
        provider="twilio",
        sid=account.account_ref,
        secret=account.auth_token,
        inbound_webhook_url=base_url + WEBHOOK,
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


def round_trips(account, number, queue: str) -> tuple[int, list[str]]:
    """Database queries of one webhook (after a warm-up one), counted in-process."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from instaply.celery import app

    app.conf.task_default_queue = queue
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    counted = []
    for body, headers in signed_requests(account, number, settings.PUBLIC_BASE_URL, 2, 2):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                WEBHOOK,
                data=body,
                content_type=headers["Content-Type"],
                headers={k: v for k, v in headers.items() if k != "Content-Type"},
            )
        assert response.status_code == 200, response.content
        counted = [q["sql"].split()[0] for q in queries]
    return len(counted), counted


def step_costs(account, number, queue: str, rounds: int = 300) -> dict[str, float]:
    """CPU time (µs) of each step of the webhook, and of whole requests through
    Django's test client, measured in this process: where the ratio comes from."""
    from django.conf import settings
    from django.http import QueryDict
    from django.test import Client

    from channels_sms.models import WebhookDelivery
    from channels_sms.providers import provider_for
    from channels_sms.services.deliveries import delivery_queue, insert_or_skip
    from channels_sms.services.routing import twilio_route
    from instaply.ids import uuid7
    from instaply.ratelimit import hit

    url = settings.PUBLIC_BASE_URL + WEBHOOK
    signed = signed_requests(account, number, settings.PUBLIC_BASE_URL, 2 * rounds, 2 * rounds)
    forms = [QueryDict(body) for body, _ in signed]
    route = twilio_route(forms[0], own_number_field="To")

    def store(i):
        form = forms[i]
        insert_or_skip(
            WebhookDelivery(
                id=uuid7(),
                tenant_id=route.tenant_id,
                provider="twilio",
                kind="message",
                provider_message_id=form["MessageSid"],
                provider_status="",
                phone_number=route.number,
                payload=form.dict(),
            )
        )

    client = Client()

    def request(path, offset):
        def post(i):
            body, headers = signed[offset + i]
            extra = {k: v for k, v in headers.items() if k != "Content-Type"}
            client.post(path, data=body, content_type=headers["Content-Type"], headers=extra)

        return post

    steps = {
        "parse form": lambda i: QueryDict(signed[i][0]),
        "route (SELECT)": lambda i: twilio_route(forms[i], own_number_field="To"),
        "signature": lambda i: provider_for("twilio").signature_valid(
            credentials=route.credentials,
            url=url,
            params=forms[i],
            signature=signed[i][1]["X-Twilio-Signature"],
        ),
        "rate limit (Redis)": lambda i: hit("sms_webhook", route.rate_key, rate="1000000000/m"),
        "store (INSERT)": store,
        "enqueue (Celery)": lambda i: delivery_queue(uuid7()),
        "bare request": request(BARE, 0),
        "webhook request": request(WEBHOOK, rounds),
    }
    costs = {}
    for name, step in steps.items():
        step(0)
        began = time.process_time()
        for i in range(1, rounds):
            step(i)
        costs[name] = (time.process_time() - began) / (rounds - 1) * 1e6
    purge(queue)
    return costs


def synchronous_commit() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


# Servers -------------------------------------------------------------------


def start_gunicorn(port: int, workers: int, threads: int, env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-c", "python:instaply.gunicorn_conf"]
    command += ["instaply.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    command += ["--threads", str(threads), "--worker-class", "gthread"]
    command += ["--pythonpath", str(BENCH), "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start within 30 s")


# The run ---------------------------------------------------------------------


def end_to_end(args, port, number, tenant, env, queue) -> float:
    from conversations.models import Message

    worker = start_worker(queue, args.worker_concurrency, env)
    try:
        requests = signed_requests(
            number.account, number, f"http://127.0.0.1:{port}", args.e2e_messages, 200
        )
        began = time.perf_counter()
        python_load(port, WEBHOOK, requests, args.concurrency, None)  # stops on a non-2xx
        inbound = Message.objects.for_tenant(tenant).filter(direction="inbound")
        deadline = time.monotonic() + 300
        while inbound.count() < args.e2e_messages and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.perf_counter() - began
        return inbound.count() / elapsed
    finally:
        stop(worker)


def purge(queue: str) -> None:
    from instaply.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="per measured phase")
    parser.add_argument("--concurrency", type=int, default=16, help="open connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--requests", type=int, default=60000, help="distinct signed requests")
    parser.add_argument("--e2e-messages", type=int, default=2000)
    parser.add_argument("--worker-concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    require_services()
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    load = wrk_load if generator == "wrk" else python_load

    port, queue = free_port(), f"webhook-bench-{uuid.uuid4().hex[:8]}"
    setup_django(port, queue)
    tenant, account, number = bench_tenant()
    env = os.environ | {
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": f"{BENCH}:{ROOT}",
        # Every request is for one number: lift its per-number rate limit (the
        # counter still runs, in Redis, on every request).
        "RATE_LIMITS": "sms_webhook=100000000/m",
    }
    trips, verbs = round_trips(account, number, queue)
    costs = step_costs(account, number, queue)
    requests = signed_requests(
        account, number, f"http://127.0.0.1:{port}", args.requests, args.requests
    )
    server = start_gunicorn(port, args.workers, args.threads, env)
    try:
        # Warm-up: connections, pools, key caches (repeats only hit the dedupe).
        load(port, BARE, requests[:2000], args.concurrency, 2, distinct=False)
        load(port, WEBHOOK, requests[-2000:], args.concurrency, 2, distinct=False)
        # The baseline stores nothing: its requests may repeat.
        bare = load(port, BARE, requests, args.concurrency, args.seconds, distinct=False)
        hooks = load(port, WEBHOOK, requests[:-2000], args.concurrency, args.seconds)
        purge(queue)
        e2e_rate = end_to_end(args, port, number, tenant, env, queue)
    finally:
        stop(server)
        purge(queue)
    commit = synchronous_commit()

    print(
        f"inbound Twilio webhook, gunicorn {args.workers} workers x {args.threads} threads "
        f"(gthread), PostgreSQL, Redis; {os.cpu_count()} CPUs; load by {generator} on "
        f"loopback, {args.concurrency} connections, {args.seconds} s per phase"
    )
    print(f"  bare POST view, empty TwiML      {bare['rate']:>9,.0f} req/s")
    print(f"  webhook: verify, store, enqueue  {hooks['rate']:>9,.0f} req/s")
    print(
        f"  ratio webhook/bare               {hooks['rate'] / bare['rate']:>9.2f}   (target >= 0.4)"
    )
    print(f"  DB round trips per webhook       {trips:>9}   (target <= 2: {', '.join(verbs)})")
    print(f"  synchronous_commit               {commit:>9}   (no asynchronous commit)")
    print(
        f"  webhook latency p50 / p99        {hooks['p50'] * 1000:>6.1f} / "
        f"{hooks['p99'] * 1000:.1f} ms at {args.concurrency} connections   (target p99 < 50 ms)"
    )
    answered = bare["count"] + hooks["count"] + args.e2e_messages
    print(
        f"  2xx answers counted              {answered:>9,}"
        "   (no other answer: one would have stopped the run)"
    )
    print(
        f"  load generator CPU               {hooks['generator_cpu']:>9.2f}   "
        "cores busy while the webhook was measured (of the machine's CPUs)"
    )
    print(
        "  CPU per step, in-process (µs): " + ", ".join(f"{k} {v:,.0f}" for k, v in costs.items())
    )
    print(
        f"  end to end, into the inbox       {e2e_rate:>9,.0f} messages/s   "
        f"({args.e2e_messages} texts from 200 phones, worker concurrency "
        f"{args.worker_concurrency})"
    )
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
