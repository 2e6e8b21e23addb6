"""A mixed load on the production web tier, at a chosen fraction of its measured saturation.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/load.py \
        [--fraction 0.7] [--minutes 3] [--quick]

The web tier is the `web` service's command of docker-compose.yml (production
settings, gunicorn with ASGI workers) on loopback, a Celery worker processes
inbound texts and sends replies to the provider simulator (the worker runs the
development settings: production refuses the simulator), and this process sends:

* inbound SMS webhooks, each a distinct text signed as Twilio signs it;
* inbox pages and thread pages read with an agent's API token;
* staff replies (each one sent by the worker to the simulator);
* beside them, open long-polls of the events feed (open inboxes).

First a closed-loop ramp on one tenant finds saturation: the rate at which
throughput stops growing or errors appear. Then, on a fresh tenant, requests
start on a fixed schedule at ``--fraction`` of that rate for ``--minutes``.
Printed: throughput, p50 / p99 latency and errors per kind, how long the inbound
backlog took to drain, and the end-to-end count check: texts sent in = messages
stored = live-feed events seen by each long-poll (and replies accepted = texts
at the provider). Exits 1 when a count disagrees. Figures, never assertions.
"""

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT, BENCH = Path(__file__).resolve().parents[1], Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from _load_figures import KINDS, CountCheck, Step, saturation, share  # noqa: E402
from _load_mix import LongPoll, Mix, closed_loop, open_loop  # noqa: E402


def require_services() -> None:
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not redis:
        sys.exit(
            "load.py runs the production tier: set DATABASE_URL=postgres://... and "
            "REDIS_URL=redis://... (a real queue and real workers are what it measures)."
        )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.7, help="of the saturation rate")
    parser.add_argument("--minutes", type=float, default=3.0, help="length of the run")
    parser.add_argument("--ramp", default="2,4,8,16,32,64", help="clients per ramp step")
    parser.add_argument("--step-seconds", type=float, default=8.0, help="each ramp step")
    parser.add_argument("--phones", type=int, default=200, help="end-users texting each tenant")
    parser.add_argument("--long-polls", type=int, default=8, help="open inboxes during the run")
    parser.add_argument("--clients", type=int, default=64, help="connections of the run")
    parser.add_argument("--worker-concurrency", type=int, default=4, help="as docker-compose")
    parser.add_argument("--drain-seconds", type=float, default=900, help="limit on the backlog")
    parser.add_argument("--quick", action="store_true", help="seconds, small: the test's mode")
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.ramp, args.step_seconds = 0.15, "1,2,4", 2.0
        args.phones, args.long_polls, args.clients, args.worker_concurrency = 5, 2, 8, 2
        args.drain_seconds = 120
    return args


def main() -> None:
    args = arguments()
    require_services()
    # Sets Django up in this process (migrating both databases) with the bench's
    # fixed throwaway keys, which the tier and the worker get too.
    from bench.live_bench import WebTier, raise_open_files
    from bench.processes import application_url, start_dispatcher, start_worker, stop

    raise_open_files(4 * (args.clients + args.long_polls) + 1024)
    from _load_world import World, simulator  # models: only once Django is set up

    # As behind the deployment's TLS proxy: texts are signed over the https
    # address, and every request says X-Forwarded-Proto: https (_load_mix.PROXIED).
    # The tier and the worker connect as production does: as the application
    # role, under row-level security; this process seeds as the owner.
    owner_url = os.environ["DATABASE_URL"]
    app_url = application_url(owner_url)
    reporting_url = owner_url.split("?")[0] + "_reporting"
    tier = WebTier(
        database_url=app_url,
        overrides={
            "RATE_LIMITS": RATE_LIMITS,
            "LOG_LEVEL": "ERROR",  # not a line per 4xx: the report counts them
            "REPORTING_DATABASE_URL": reporting_url,
        },
    )
    base = tier.env["PUBLIC_BASE_URL"]
    ramp_world, run_world = World.create(base, "ramp"), World.create(base, "run")
    with simulator(base, [ramp_world, run_world]) as sim:
        worker_env = {k: v for k, v in os.environ.items() if k != "DJANGO_ENV"} | {
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PUBLIC_BASE_URL": base,  # for status callbacks (the simulator holds them)
            "SMS_SIMULATOR_URL": sim.url,
            "DATABASE_URL": app_url,
            "REPORTING_DATABASE_URL": reporting_url,
        }
        worker = start_worker("celery", args.worker_concurrency, worker_env)
        # The tier (production) publishes no task per text: dispatchers process them.
        dispatchers = [start_dispatcher(worker_env) for _ in range(2)]
        try:
            with tier:
                report(args, tier, sim, ramp_world, run_world)
        finally:
            for process in [worker, *dispatchers]:
                stop(process)
    ok = run_world.check.ok
    print("every count agrees" if ok else "counts DISAGREE: something was lost or doubled")
    sys.exit(0 if ok else 1)


# Every text is for one number of ours: lift its per-number limit (the counter
# still runs, in Redis, on every webhook), as bench/webhook_bench.py does.
RATE_LIMITS = "sms_webhook=100000000/m"


def report(args, tier, sim, ramp_world, run_world) -> None:
    from _load_world import drain

    print(
        f"mixed load on the web tier `{' '.join(tier.command)}` (production settings, "
        f"{tier.env.get('WEB_WORKERS', '2')} workers); Celery worker, concurrency "
        f"{args.worker_concurrency}; 2 inbound dispatchers; PostgreSQL, Redis, provider simulator; "
        f"{os.cpu_count()} CPUs; the load generator runs on the same machine; "
        f"load average {load_average()}"
    )
    mix_line = ", ".join(f"{kind} {share(kind):.0%}" for kind in KINDS)
    print(f"mix of requests: {mix_line}; open long-polls of the events feed beside them")

    ramp_world.warm_up(args.phones)
    # Enough for 1,350 req/s of the mix at every step (far above what 2 CPUs serve).
    texts = ramp_world.texts(int(600 * len(args.ramp.split(",")) * args.step_seconds))
    mix = Mix(tier.port, ramp_world.token, texts, ramp_world.conversation_ids())
    print(f"\nsaturation ramp, closed loop, {args.step_seconds:.0f} s per step")
    print(f"  {'clients':>7} {'req/s':>9} {'errors':>7} {'p99 ms':>8}")
    steps: list[Step] = []
    ramp_texts = ramp_world.phones
    for clients in (int(c) for c in args.ramp.split(",")):
        tallies, elapsed = closed_loop(mix, clients=clients, seconds=args.step_seconds)
        mix.require_texts()
        steps.append(step_of(clients, tallies, elapsed))
        ramp_texts += len(tallies["webhook"].latencies)
        last = steps[-1]
        print(f"  {clients:>7} {last.rate:>9,.0f} {last.errors:>7} {last.p99 * 1000:>8.1f}")
        best, why = saturation(steps)
        if not why.startswith("the ramp ended"):
            break
    if best.rate <= 0:
        sys.exit("no request of the ramp was answered 2xx: no saturation to run against")
    print(f"  saturation {best.rate:,.0f} req/s at {best.clients} clients: {why}")
    drained = drain(ramp_world, ramp_texts, args.drain_seconds)
    print(
        f"  inbound backlog of the ramp ({ramp_texts:,} texts) stored "
        f"{drained:.0f} s after the ramp ended"
    )

    rate, seconds = args.fraction * best.rate, args.minutes * 60
    polls = [LongPoll(tier.port, run_world.token) for _ in range(args.long_polls)]
    for poll in polls:
        poll.start()
    for poll in polls:
        poll.ready.wait(30)
    warm = run_world.warm_up(args.phones)
    needed = math.ceil(rate * share("webhook") * seconds * 1.1) + 100
    mix = Mix(tier.port, run_world.token, run_world.texts(needed), run_world.conversation_ids())
    print(
        f"\nrun at {args.fraction:.2f} of saturation: {rate:,.0f} req/s scheduled for "
        f"{seconds:.0f} s, {args.clients} connections, {args.long_polls} long-polls open"
    )
    tallies, elapsed = open_loop(mix, rate=rate, seconds=seconds, clients=args.clients)
    mix.require_texts()
    stopped = time.monotonic()
    print(f"  {'kind':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind in KINDS:
        figures = tallies[kind].summary(elapsed)
        errors = ", ".join(f"{n} x {s or 'timeout'}" for s, n in figures["error_statuses"].items())
        print(
            f"  {kind:<9} {figures['rate']:>8,.1f} {figures['p50'] * 1000:>8.1f} "
            f"{figures['p99'] * 1000:>8.1f} {figures['errors']:>7}  {errors}".rstrip()
        )
    done = sum(t.summary(elapsed)["rate"] for t in tallies.values())
    print(f"  all kinds {done:>8,.1f} req/s answered 2xx (scheduled {rate:,.1f})")
    texts_sent = warm + tallies["webhook"].summary(elapsed)["count"]
    drained = drain(run_world, texts_sent, args.drain_seconds, since=stopped)
    print(f"  inbound backlog stored {drained:.0f} s after the load stopped")
    run_world.settle(polls, sim, replies=tallies["reply"].summary(elapsed)["count"])
    answers = sum(len(p.answers.latencies) for p in polls)
    errors = sum(p.answers.error_count for p in polls)
    doubled = sum(p.duplicates for p in polls)
    print(f"  long-polls    {answers:,} answers, {errors} errors, {doubled} events announced twice")
    for poll in polls:
        poll.stop()
    run_world.check = CountCheck(
        texts_sent=texts_sent,
        messages_stored=run_world.inbound_count(),
        events_seen=[len(p.inbound) for p in polls],
        replies_accepted=tallies["reply"].summary(elapsed)["count"],
        replies_at_provider=run_world.replies_at_provider(sim),
    )
    print(f"  load average at the end {load_average()}")
    print("\nend-to-end count check")
    for line in run_world.check.lines():
        print(line)


def load_average() -> str:
    return " / ".join(f"{n:.1f}" for n in os.getloadavg()) + " (1 / 5 / 15 min)"


def step_of(clients: int, tallies: dict, elapsed: float) -> Step:
    from _figures import Tally

    total = Tally()
    for tally in tallies.values():
        total.merge(tally)
    figures = total.summary(elapsed)
    return Step(clients=clients, rate=figures["rate"], errors=figures["errors"], p99=figures["p99"])


if __name__ == "__main__":
    main()
