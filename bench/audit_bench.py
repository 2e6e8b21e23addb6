"""What recording an audit event costs a personal-data read, over HTTP, each event committed.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/audit_bench.py
        [--rounds 20] [--seconds 2] [--concurrency 16] [--requests 400]

gunicorn (instaply/gunicorn_conf.py: gthread, 2 workers x 8 threads, DEBUG off)
serves GET /api/v1/conversations/<id> in autocommit, as in production: with
recording on, each request commits its audit event (synchronous_commit on)
before it answers. The baseline is the same endpoint on the same server, with
the one call to the recorder switched off by a bench-only header
(bench/_audit_switch.py). Printed:

1. Throughput of N keep-alive clients in rounds that alternate the two
   (off/on, on/off, ...): median requests per second of each, and the median of
   the rounds' own costs. Target: under 15 %.
2. CPU per request: of the worker thread that served it (measured in the
   server, request by request, the two kinds alternating), and of the workers
   with their PostgreSQL backends over each round. On a shared machine a rate
   moves with the neighbours' load; CPU time hardly does.
3. Latency of one client alternating the two: what one event adds to an
   answer's time, the wait for the durable commit included.
4. A check that the run is what it claims: as many committed events as answers
   with recording on, none with it off.
5. In-process, where the time goes: record() alone in autocommit, CPU and wall.
"""

import argparse
import http.client
import os
import statistics
import sys
import time
from pathlib import Path

from _django import setup

setup()

from _figures import ab_rounds  # noqa: E402
from _http import Gunicorn, ServerCpu, load  # noqa: E402
from django.db import connection  # noqa: E402

from audit.models import AuditEvent  # noqa: E402
from audit.recorder import record  # noqa: E402
from conversations.tests.factories import ConversationFactory  # noqa: E402
from instaply.ids import uuid7  # noqa: E402
from tenants.models import Membership, Role, User  # noqa: E402
from tenants.services.tokens import api_token_create  # noqa: E402
from tenants.tests.factories import TenantFactory  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
READ = "personal_data.read"


def bench_conversation():
    """A conversation and an agent's API token, committed (nothing is rolled back)."""
    conversation = ConversationFactory(tenant=TenantFactory(name=f"audit bench {uuid7()}"))
    user = User.objects.create_user(f"bench-{uuid7()}@bench.example", "bench password 123")
    member = Membership.objects.create(tenant_id=conversation.tenant_id, user=user, role=Role.AGENT)
    return conversation, api_token_create(membership=member, name="bench")[1]


def read_events(tenant_id) -> int:
    return AuditEvent.objects.filter(tenant_id=tenant_id, action=READ).count()


def backend_pids() -> list[int]:
    """PostgreSQL backends on this database, but this process's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def throughput_rounds(server, path, headers, tenant_id, args) -> tuple[list, dict]:
    """Alternating rounds; the order flips each round so a trend hits both alike."""
    cpu = ServerCpu(server, backend_pids)
    rounds, answered, written = [], {True: 0, False: 0}, {True: 0, False: 0}
    cpu_rounds = []
    for n in range(args.rounds):
        rates, per_request = {}, {}
        for recording in (False, True) if n % 2 == 0 else (True, False):
            before, cpu_before = read_events(tenant_id), cpu.snapshot()
            figures = load(
                server.port,
                path,
                headers[recording],
                concurrency=args.concurrency,
                seconds=args.seconds,
            )
            used = cpu.used(cpu_before, cpu.snapshot())
            written[recording] += read_events(tenant_id) - before
            answered[recording] += figures["count"]
            rates[recording] = figures["rate"]
            per_request[recording] = used / figures["count"]
        rounds.append((rates[False], rates[True]))
        # As rates (requests per CPU-second), so ab_rounds reads them like the others.
        cpu_rounds.append((1 / per_request[False], 1 / per_request[True]))
        print(
            f"  round {n + 1:>2}: off {rates[False]:5.0f} req/s {per_request[False] * 1000:5.2f} "
            f"ms CPU/req, on {rates[True]:5.0f} req/s {per_request[True] * 1000:5.2f} ms CPU/req",
            flush=True,
        )
    return rounds, {"answered": answered, "written": written, "cpu_rounds": cpu_rounds}


def alternating(port: int, path: str, headers: dict, n: int) -> dict:
    """One keep-alive client, off and on in turn: (latency s, worker CPU s) per answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples: dict = {False: [], True: []}
    for _ in range(n):
        for recording in (False, True):
            began = time.perf_counter()
            conn.request("GET", path, headers=headers[recording])
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}: no figure kept")
            cpu = int(response.getheader("X-Bench-CPU-ns")) / 1e9
            samples[recording].append((time.perf_counter() - began, cpu))
    conn.close()
    return samples


def recorder_alone(tenant_id, n: int) -> dict:
    """record() of a read event in autocommit, as a request calls it; and the
    durable commit's share, from the same INSERT under an asynchronous commit."""
    metadata = {"fields": ["contact.display_name", "last_message_preview"], "count": 1}

    def one():
        record(READ, tenant=tenant_id, target=("conversation", uuid7()), metadata=metadata)

    def timed() -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            one()
        return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n

    one()
    durable = timed()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")  # this bench session only
        try:
            asynchronous = timed()
        finally:
            cursor.execute("SET synchronous_commit = on")
    return {"durable": durable, "asynchronous": asynchronous}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="alternating rounds")
    parser.add_argument("--seconds", type=float, default=2.0, help="per phase of a round")
    parser.add_argument("--concurrency", type=int, default=16, help="clients in the rounds")
    parser.add_argument(
        "--requests", type=int, default=400, help="requests of each kind from one client"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("audit_bench measures PostgreSQL: set DATABASE_URL=postgres://...")

    conversation, token = bench_conversation()
    tenant_id = conversation.tenant_id
    path = f"/api/v1/conversations/{conversation.id}"
    auth = {"Authorization": f"Bearer {token}"}
    headers = {False: auth | {"X-Bench-Audit": "off"}, True: auth | {"X-Bench-Audit": "on"}}
    env = {"DJANGO_SETTINGS_MODULE": "_audit_settings", "PYTHONPATH": f"{BENCH}:{ROOT}"}
    with Gunicorn(extra_env=env) as server:
        alternating(server.port, path, headers, 100)  # warm-up
        c, s = args.concurrency, args.seconds
        print(f"throughput, {c} keep-alive clients, {args.rounds} rounds of {s:g} s + {s:g} s")
        rounds, check = throughput_rounds(server, path, headers, tenant_id, args)
        one_client = alternating(server.port, path, headers, args.requests)
    alone = recorder_alone(tenant_id, 300)
    report(path, args, rounds, check, one_client, alone)


def report(path, args, rounds, check, one_client, alone) -> None:
    def cost(off: float, on: float) -> str:
        return f"{(1 - off / on) * 100:.1f} %"

    figures, by_cpu = ab_rounds(rounds), ab_rounds(check["cpu_rounds"])
    latency = {k: statistics.median(lat for lat, _ in v) for k, v in one_client.items()}
    worker = {k: statistics.median(cpu for _, cpu in v) for k, v in one_client.items()}
    print(f"\naudit recording on GET {path.rsplit('/', 1)[0]}/<id> (gunicorn, autocommit)")
    print(
        f"  throughput, median of rounds   off {figures['baseline']:,.0f} req/s, "
        f"on {figures['measured']:,.0f} req/s: cost {figures['cost'] * 100:.1f} % "
        f"(rounds {figures['cost_min'] * 100:.0f} to {figures['cost_max'] * 100:.0f} %; "
        "target < 15 %)"
    )
    print(
        f"  CPU per request, worker thread off {worker[False] * 1000:.2f} ms, "
        f"on {worker[True] * 1000:.2f} ms: cost {cost(worker[False], worker[True])} "
        f"(medians of {args.requests} each, alternating)"
    )
    cpu_off, cpu_on = 1 / by_cpu["baseline"], 1 / by_cpu["measured"]
    print(
        f"  CPU per request, workers + DB  off {cpu_off * 1000:.2f} ms, on {cpu_on * 1000:.2f} ms: "
        f"cost {by_cpu['cost'] * 100:.1f} % (median of rounds, "
        f"{by_cpu['cost_min'] * 100:.0f} to {by_cpu['cost_max'] * 100:.0f} %)"
    )
    print(
        f"  latency, one client            off {latency[False] * 1000:.2f} ms, "
        f"on {latency[True] * 1000:.2f} ms median "
        f"(+{(latency[True] - latency[False]) * 1000:.2f} ms: the INSERT and its durable commit)"
    )
    answered, written = check["answered"], check["written"]
    print(
        f"  events committed               {written[True]:,} for {answered[True]:,} answers "
        f"with recording on, {written[False]:,} for {answered[False]:,} with it off"
    )
    durable, asynchronous = alone["durable"], alone["asynchronous"]
    print(
        f"  record() alone, in-process     {durable[0] * 1e6:,.0f} µs wall, "
        f"{durable[1] * 1e6:,.0f} µs CPU; {asynchronous[0] * 1e6:,.0f} µs wall without "
        "waiting for the durable commit (shown, not used)"
    )
    rates = [rate for pair in rounds for rate in pair]
    print(
        f"\nPostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}, round rates {min(rates):,.0f}-{max(rates):,.0f} req/s; "
        "the load generator runs in this process."
    )
    if written[True] != answered[True] or written[False]:
        sys.exit("the events committed do not match the answers: the figures are not valid")


if __name__ == "__main__":
    main()
