"""What recording an audit event costs a personal-data read, over HTTP, each event committed.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/audit_bench.py
        [--rounds 6] [--seconds 4] [--concurrency 8] [--requests 300]

gunicorn (instaply/gunicorn_conf.py: gthread, 2 workers x 8 threads, DEBUG off)
serves GET /api/v1/conversations/<id> in autocommit, as in production: with
recording on, each request commits its audit event (synchronous_commit on)
before it answers. The baseline is the same endpoint on the same server, with
the one call to the recorder switched off by a bench-only header
(bench/_audit_switch.py). Printed:

1. Throughput of N keep-alive clients in rounds that alternate the two
   (off/on, on/off, ...): median requests per second of each, and the median of
   the rounds' own costs. Target: under 15 %.
2. Latency of sequential requests alternating one by one: what one event adds
   to an answer's time, the wait for the durable commit included.
3. A check that the run is what it claims: as many committed events as answers
   with recording on, none with it off.
4. In-process, where the time goes: record() alone in autocommit, CPU and wall.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from _django import setup, stats

setup()

from _figures import ab_rounds  # noqa: E402
from _http import Gunicorn, ServerCpu, interleaved_latencies, load  # noqa: E402
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


def throughput_rounds(server, path, token, tenant_id, args) -> tuple[list, dict]:
    """Alternating rounds; the order flips each round so a trend hits both alike."""
    cpu = ServerCpu(server, backend_pids)
    headers = {
        False: {"Authorization": f"Bearer {token}", "X-Bench-Audit": "off"},
        True: {"Authorization": f"Bearer {token}", "X-Bench-Audit": "on"},
    }
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
            f"  round {n + 1}: off {rates[False]:6.0f} req/s {per_request[False] * 1000:5.2f} "
            f"ms CPU/req, on {rates[True]:6.0f} req/s {per_request[True] * 1000:5.2f} ms CPU/req"
        )
    return rounds, {"answered": answered, "written": written, "cpu_rounds": cpu_rounds}


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
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds")
    parser.add_argument("--seconds", type=float, default=4.0, help="per phase of a round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--requests", type=int, default=300, help="sequential requests of each kind"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("audit_bench measures PostgreSQL: set DATABASE_URL=postgres://...")

    conversation, token = bench_conversation()
    tenant_id = conversation.tenant_id
    path = f"/api/v1/conversations/{conversation.id}"
    env = {"DJANGO_SETTINGS_MODULE": "_audit_settings", "PYTHONPATH": f"{BENCH}:{ROOT}"}
    with Gunicorn(extra_env=env) as server:
        auth = {"Authorization": f"Bearer {token}"}
        off, on = auth | {"X-Bench-Audit": "off"}, auth | {"X-Bench-Audit": "on"}
        interleaved_latencies(server.port, [(path, off), (path, on)], 100)  # warm-up
        c, s = args.concurrency, args.seconds
        print(f"throughput, {c} keep-alive clients, {args.rounds} rounds of {s:.0f} s + {s:.0f} s")
        rounds, check = throughput_rounds(server, path, token, tenant_id, args)
        samples = interleaved_latencies(server.port, [(path, off), (path, on)], args.requests)
    alone = recorder_alone(tenant_id, 300)

    figures = ab_rounds(rounds)
    print(f"\naudit recording on GET {path.rsplit('/', 1)[0]}/<id> (gunicorn, autocommit)")
    print(f"  recording off                  {figures['baseline']:>8,.0f} req/s (median)")
    print(f"  recording on                   {figures['measured']:>8,.0f} req/s (median)")
    print(
        f"  cost, median of rounds         {figures['cost'] * 100:>8.1f} %   "
        f"(rounds {figures['cost_min'] * 100:.1f} to {figures['cost_max'] * 100:.1f} %; "
        "target < 15 %)"
    )
    by_cpu = ab_rounds(check["cpu_rounds"])
    print(
        f"  server CPU per request off/on  {1000 / by_cpu['baseline']:>8.2f} / "
        f"{1000 / by_cpu['measured']:.2f} ms (gunicorn workers + their PostgreSQL backends): "
        f"cost {by_cpu['cost'] * 100:.1f} % (rounds {by_cpu['cost_min'] * 100:.1f} to "
        f"{by_cpu['cost_max'] * 100:.1f} %)"
    )
    (off_median, off_p95), (on_median, on_p95) = stats(samples[0]), stats(samples[1])
    print(
        f"  sequential latency off / on    {off_median * 1000:.2f} / {on_median * 1000:.2f} ms "
        f"median, {off_p95 * 1000:.2f} / {on_p95 * 1000:.2f} ms p95 "
        f"(+{(on_median - off_median) * 1000:.2f} ms, {args.requests} each, alternating)"
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
        f"\nPostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} CPUs, rates spread "
        f"{min(rates):,.0f}-{max(rates):,.0f} req/s (stdev {statistics.pstdev(rates):,.0f}); "
        "the load generator runs in this process."
    )
    if written[True] != answered[True] or written[False]:
        sys.exit("the events committed do not match the answers: the figures are not valid")


if __name__ == "__main__":
    main()
