"""Inbox and thread pages: cost independent of volume, and throughput on the compose web tier.

    DATABASE_URL=postgres://... .venv/bin/python bench/inbox_bench.py
        [--conversations 20000] [--messages-per-conversation 10] [--small 200]

Defaults seed 2 tenants (a large one of 20,000 conversations / 200,000 messages
and a small one) once, and reuse them on later runs after counting their
conversations and messages: a tenant left half-seeded by an interrupted run is
refused (``--reseed`` deletes it and seeds it anew). For 1,000,000 messages:
``--conversations 100000``. Prints, measured in one run on PostgreSQL:

* statements per request (queries, and row-level security scope statements)
  and a CPU table naming where a page request spends its time, in-process, as
  the application role (bench/_page_steps.py);
* median and p95 latency of the first inbox page (25 items) and of a 50-message
  thread page, in the small and the large tenant, and large/small (target <= 1.2);
* a deep inbox page (near the end of the large tenant) against the first (<= 1.2);
* requests per second, on the web tier as docker-compose.yml serves it (production
  settings, the application role), of an unauthenticated bare view (/healthz), the
  bare authenticated GET /api/v1/me, the inbox and the thread page, in rounds of
  rotated order: the authenticated GET over the unauthenticated one, and each page
  over the authenticated GET (target >= 0.4, aim 0.5);
* the cost of PostgreSQL's row-level security: the same pages through a tier
  connecting as the application role (policies enforced, scope set per
  statement) and one connecting as the owner (``DATABASE_RLS=false``; policies
  bypassed), latencies taken in turn and throughput in ABBA rounds.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from _django import setup, stats
from _figures import SeedSize, expected_seed, seed_mismatch
from processes import WebTier, application_url

setup()

from _http import (  # noqa: E402
    cpu_seconds,
    interleaved_latencies,
    interleaved_servers,
    latencies,
    load,
    throughput,
)
from _page_steps import Pages, as_role, cpu_costs, print_table  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from conversations.models import Contact, Conversation, Message  # noqa: E402
from instaply.api import cursors  # noqa: E402
from tenants.models import Membership, Role, Shop, Tenant, User  # noqa: E402
from tenants.services.tokens import api_token_create  # noqa: E402

THREAD_LENGTH = 60
BATCH = 500
PROXIED = {"X-Forwarded-Proto": "https"}  # as the TLS proxy in front of the tier sets it
QUIET = {"LOG_LEVEL": "WARNING"}
TIER_LOG = Path(tempfile.gettempdir()) / "inbox_bench_tier.log"  # gunicorn's own lines


def seed(slug: str, conversations: int, per_conversation: int, *, reseed: bool) -> Tenant:
    """The seeded tenant: reused when complete, else refused (or seeded anew with --reseed).

    Seeding commits batch by batch, so an interrupted one leaves a tenant with
    part of its conversations; reused, it would make the large tenant small.
    """
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is not None:
        expected = expected_seed(conversations, per_conversation, THREAD_LENGTH)
        problem = seed_mismatch(expected=expected, found=seed_size(tenant))
        if problem is None:
            return tenant
        if not reseed:
            sys.exit(f"{slug} {problem}: run again with --reseed to delete it and seed it anew")
        print(f"{slug} {problem}: deleting it", flush=True)
        drop_tenant(tenant)
    volume = f"{conversations:,} conversations, ~{conversations * per_conversation:,} messages"
    print(f"seeding {slug}: {volume}", flush=True)
    started = time.monotonic()
    with transaction.atomic():
        tenant = Tenant.objects.create(name=slug, slug=slug)
        shop = Shop.objects.create(tenant=tenant, name=f"{slug} shop")
        user = User.objects.create_user(f"agent@{slug}.bench", "bench password 123")
        Membership.objects.create(tenant=tenant, user=user, role=Role.AGENT)
    base = timezone.now() - dt.timedelta(days=365)
    for start in range(0, conversations, BATCH):
        with transaction.atomic():
            count = min(BATCH, conversations - start)
            contacts = Contact.objects.bulk_create(
                [
                    Contact(
                        tenant=tenant, name=f"Customer {start + i}", phone=f"+3361{start + i:08d}"
                    )
                    for i in range(count)
                ]
            )
            rows, messages = [], []
            for i, contact in enumerate(contacts):
                n = start + i
                # The newest conversation gets a long thread for the thread-page figures.
                length = THREAD_LENGTH if n == conversations - 1 else per_conversation
                rows.append(
                    Conversation(
                        tenant=tenant,
                        shop=shop,
                        contact=contact,
                        channel="widget",
                        endpoint_id=shop.id,
                        last_activity_at=base + dt.timedelta(minutes=n),
                        last_message_preview=f"message {length - 1} of conversation {n}",
                        inbound_count=length // 2,
                    )
                )
                messages += [_message(rows[-1], m) for m in range(length)]
            Conversation.objects.bulk_create(rows)
            Message.objects.bulk_create(messages, batch_size=2000)
        if (start // BATCH) % 10 == 0:
            print(f"  {start + count:,} conversations", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    return tenant


def seed_size(tenant: Tenant) -> SeedSize:
    return SeedSize(
        conversations=Conversation.objects.for_tenant(tenant).count(),
        messages=Message.objects.for_tenant(tenant).count(),
    )


def drop_tenant(tenant: Tenant) -> None:
    """Deletes a bench tenant and what it holds (keys last: the data keys protect them)."""
    from privacy.models import DataKey, TenantKey

    with transaction.atomic():
        for model in (Message, Conversation, Contact, DataKey, TenantKey):
            model.objects.for_tenant(tenant).delete()
        users = [m.user_id for m in Membership.objects.for_tenant(tenant)]
        tenant.delete()
        User.objects.filter(pk__in=users).delete()


def _message(conversation: Conversation, m: int) -> Message:
    inbound = m % 2 == 0
    return Message(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        contact=conversation.contact,
        direction="inbound" if inbound else "outbound",
        sender_kind="contact" if inbound else "member",
        body=f"Message {m}: is the order for Saturday ready? " * 2,
        status="received" if inbound else "delivered",
    )


def token_for(tenant: Tenant) -> str:
    membership = Membership.objects.for_tenant(tenant).get(role=Role.AGENT)
    return api_token_create(membership=membership, name="bench")[1]


def busiest_conversation(tenant: Tenant) -> Conversation:
    # The newest conversation got THREAD_LENGTH messages when seeded.
    return Conversation.objects.for_tenant(tenant).order_by("-last_activity_at", "-id").first()


def deep_cursor(tenant: Tenant) -> str:
    count = Conversation.objects.for_tenant(tenant).count()  # bench-only; the API never counts
    near_end = (
        Conversation.objects.for_tenant(tenant)
        .order_by("-last_activity_at", "-id")
        .values_list("last_activity_at", "id")[max(0, count - 30)]
    )
    return cursors.encode(*near_end)


def line(label: str, samples: list[float]) -> tuple[float, float]:
    median, p95 = stats(samples)
    print(f"  {label:<34} median {median * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms")
    return median, p95


def ratio(label: str, measured: tuple[float, float], baseline: tuple[float, float]) -> None:
    median, p95 = measured[0] / baseline[0], measured[1] / baseline[1]
    print(f"  ratio {label:<28} {median:.2f} (median)  {p95:.2f} (p95)   target <= 1.2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20000)
    parser.add_argument("--messages-per-conversation", type=int, default=10)
    parser.add_argument("--small", type=int, default=200, help="conversations of the small tenant")
    parser.add_argument(
        "--requests", type=int, default=200, help="sequential requests per latency figure"
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="duration of each throughput phase"
    )
    parser.add_argument("--rounds", type=int, default=4, help="throughput rounds, order rotated")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--step-runs", type=int, default=40, help="runs per step and block")
    parser.add_argument(
        "--reseed", action="store_true", help="delete and seed again a tenant of the wrong size"
    )
    parser.add_argument(
        "--rls-role", default="instaply_app", help="the application role row-level security binds"
    )
    parser.add_argument(
        "--prepared-only",
        action="store_true",
        help="only the prepared page queries' A/B (on against off), after seeding",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("inbox_bench measures PostgreSQL: set DATABASE_URL=postgres://...")
    print(f"load average at start {load_average()}", flush=True)

    per = args.messages_per_conversation
    large = seed(
        f"bench-large-{args.conversations}-{per}", args.conversations, per, reseed=args.reseed
    )
    small = seed(f"bench-small-{args.small}-{per}", args.small, per, reseed=args.reseed)
    tokens = {large: token_for(large), small: token_for(small)}
    threads = {t: busiest_conversation(t).id for t in (large, small)}
    inbox = "/api/v1/conversations?limit=25"
    thread = "/api/v1/conversations/{}/messages?limit=50"
    owner_url = os.environ["DATABASE_URL"]
    app_url = application_url(owner_url, args.rls_role)
    if args.prepared_only:
        headers = PROXIED | {"Authorization": f"Bearer {tokens[large]}"}
        measured = {"inbox": inbox, "thread": thread.format(threads[large])}
        with TIER_LOG.open("a") as log:
            prepared_cost(args, headers, measured, app_url, log)
        print(f"\nload average at the end {load_average()}")
        return

    pages = Pages(
        tenant=large,
        membership=Membership.objects.for_tenant(large).get(role=Role.AGENT),
        token=tokens[large],
        conversation=busiest_conversation(large),
    )
    with as_role(args.rls_role):
        counted = {name: pages.queries(name) for name in ("me", "inbox", "thread")}
        costs = cpu_costs(pages, args.step_runs)
    print("\nstatements per request (in-process, as the application role):")
    for name, (queries, scopes) in counted.items():
        print(f"  {name:<8} {queries} queries + {scopes} row-level security scope statements")
    print_table(costs, {name: scopes for name, (_, scopes) in counted.items()})

    headers = {t: PROXIED | {"Authorization": f"Bearer {tokens[t]}"} for t in tokens}
    log = TIER_LOG.open("a")
    tier = WebTier(database_url=app_url, keys=master_keys(), overrides=QUIET, output=log)
    with tier:
        for t in (large, small):  # warm every worker's key cache
            latencies(tier.port, inbox, headers[t], 20)
            latencies(tier.port, thread.format(threads[t]), headers[t], 20)
        n = args.requests
        print(f"\nlatency, {n} sequential requests each, taken in turn ({tier_name(tier)})")
        deep_path = f"{inbox}&cursor={deep_cursor(large)}"
        samples = interleaved_latencies(
            tier.port,
            [
                (inbox, headers[small]),
                (inbox, headers[large]),
                (deep_path, headers[large]),
                (thread.format(threads[small]), headers[small]),
                (thread.format(threads[large]), headers[large]),
            ],
            n,
        )
        inbox_small = line("first inbox page, small tenant", samples[0])
        inbox_large = line("first inbox page, large tenant", samples[1])
        deep = line("deep inbox page, large tenant", samples[2])
        thread_small = line("thread page (50), small tenant", samples[3])
        thread_large = line("thread page (50), large tenant", samples[4])
        ratio("inbox large/small", inbox_large, inbox_small)
        ratio("thread large/small", thread_large, thread_small)
        ratio("deep/first inbox page", deep, inbox_large)

        phases = {
            "bare unauthenticated GET /healthz": ("/healthz", PROXIED),
            "bare authenticated GET /api/v1/me": ("/api/v1/me", headers[large]),
            "inbox page": (inbox, headers[large]),
            "thread page": (thread.format(threads[large]), headers[large]),
        }
        rates = rotated_throughput(tier.port, phases, args)
    print_rates(rates, args)
    measured = {"inbox": inbox, "thread": thread.format(threads[large])}
    prepared_cost(args, headers[large], measured, app_url, log)
    rls_cost(args, headers[large], measured, app_url, log)
    log.close()
    version = connection.pg_version // 10000
    print(
        f"\nPostgreSQL {version}, {os.cpu_count()} CPUs; the load generator runs in this process;"
        f" load average at the end {load_average()}; the tier's log: {TIER_LOG}."
    )


def load_average() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def master_keys() -> str:
    """The ring the seeded rows were encrypted under, for the tier's processes."""
    from django.conf import settings

    from privacy import keys

    return settings.INSTAPLY_MASTER_KEYS or keys._development_ring()


def tier_name(tier: WebTier) -> str:
    return f"`{' '.join(tier.command)}`, production settings"


def rotated_throughput(port: int, phases: dict, args) -> dict[str, list[float]]:
    """Each phase once per round, the order rotated each round, so a drift of
    the machine's load hits every phase alike."""
    names, rates = list(phases), {name: [] for name in phases}
    for r in range(args.rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            path, headers = phases[name]
            rates[name].append(
                throughput(port, path, headers, concurrency=args.concurrency, seconds=args.seconds)
            )
    return rates


def print_rates(rates: dict[str, list[float]], args) -> None:
    median = {name: sorted(v)[len(v) // 2] for name, v in rates.items()}
    bare, me = (
        median["bare unauthenticated GET /healthz"],
        median["bare authenticated GET /api/v1/me"],
    )
    print(
        f"\nthroughput, {args.concurrency} keep-alive clients, {args.rounds} rounds of"
        f" {args.seconds:.0f} s per phase, order rotated; medians (req/s), large tenant"
    )
    for name, value in median.items():
        runs = ", ".join(f"{v:.0f}" for v in rates[name])
        print(f"  {name:<34} {value:8,.0f}   ({runs})")
    print(f"  ratio bare authenticated / unauthenticated  {me / bare:.2f}")
    for name in ("inbox page", "thread page"):
        print(
            f"  ratio {name} / bare authenticated   {median[name] / me:.2f}"
            "   target >= 0.4 (aim 0.5)"
        )


def prepared_cost(args, headers: dict, pages: dict, app_url: str, log) -> None:
    """The page queries as prepared statements (generic plans) against bound on the
    client and planned on every request: two tiers as the application role, in one
    run, each phase once per round in rotated order, the tiers in ABBA order.

    Beside the rates, the CPU each request cost the tier's processes and their
    PostgreSQL backends (told apart by application name): on a machine shared
    with other work a rate wanders with the neighbours' load, the CPU a request
    takes much less."""
    print(
        "\nprepared page queries (DATABASE_PREPARED_STATEMENTS) on against off,"
        f" {args.concurrency} clients, {args.rounds} rounds of {args.seconds / 2:.1f} s per phase"
    )
    tiers = {
        which: WebTier(
            database_url=app_url,
            keys=master_keys(),
            overrides=QUIET
            | {"DATABASE_PREPARED_STATEMENTS": flag, "PGAPPNAME": f"inbox-bench-{which}"},
            output=log,
        )
        for which, flag in (("on", "true"), ("off", "false"))
    }
    phases = {"/api/v1/me": "/api/v1/me"} | {f"{name} page": path for name, path in pages.items()}
    rates = {(tier, phase): [] for tier in tiers for phase in phases}
    cpu = {(tier, phase): [] for tier in tiers for phase in phases}
    with tiers["on"], tiers["off"]:
        for tier in tiers.values():
            for path in phases.values():
                latencies(tier.port, path, headers, 20)  # warm: connections, statements, keys
        names = list(phases)
        for r in range(args.rounds):
            order = ("on", "off") if r % 2 == 0 else ("off", "on")
            for phase in names[r % len(names) :] + names[: r % len(names)]:
                for which in order:
                    tier = tiers[which]
                    before = tier.cpu_seconds() + _backends_cpu(f"inbox-bench-{which}")
                    figures = load(
                        tier.port,
                        phases[phase],
                        headers,
                        concurrency=args.concurrency,
                        seconds=args.seconds / 2,
                    )
                    used = tier.cpu_seconds() + _backends_cpu(f"inbox-bench-{which}") - before
                    rates[which, phase].append(figures["rate"])
                    cpu[which, phase].append(used / max(1, figures["count"]) * 1000)
    median = {key: sorted(v)[len(v) // 2] for key, v in rates.items()}
    ms = {key: sorted(v)[len(v) // 2] for key, v in cpu.items()}
    for phase in phases:
        on, off = median["on", phase], median["off", phase]
        runs = "; ".join(
            f"{w} " + ", ".join(f"{v:.0f}" for v in rates[w, phase]) for w in ("on", "off")
        )
        figures = f"on {on:6.0f} req/s, off {off:6.0f} req/s, on/off {on / off:.2f}"
        print(f"  {phase:<12} {figures}  ({runs})")
    print("  CPU per request, tier and its PostgreSQL backends (ms, median of rounds):")
    for phase in phases:
        on, off = ms["on", phase], ms["off", phase]
        print(f"  {phase:<12} on {on:6.2f} ms, off {off:6.2f} ms, on/off {on / off:.2f}")
    for name in pages:
        page = f"{name} page"
        on, off = (median[w, page] / median[w, "/api/v1/me"] for w in ("on", "off"))
        cpu_on, cpu_off = (ms[w, "/api/v1/me"] / ms[w, page] for w in ("on", "off"))
        print(
            f"  ratio {page} / bare authenticated: rates on {on:.2f}, off {off:.2f};"
            f" by CPU per request on {cpu_on:.2f}, off {cpu_off:.2f}"
        )


def _backends_cpu(application_name: str) -> float:
    """CPU used so far by the PostgreSQL backends of one tier (its application name)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return sum(cpu_seconds(pid) for (pid,) in cursor.fetchall())


def rls_cost(args, headers: dict, pages: dict, app_url: str, log) -> None:
    """The same pages with row-level security enforced and bypassed, in one run."""
    owner_env = QUIET | {"DATABASE_RLS": "false"}
    print(
        f"\nrow-level security: as {args.rls_role} (enforced) against the owner (bypassed),"
        f" {args.requests} requests each, taken in turn"
    )
    enforced = WebTier(database_url=app_url, keys=master_keys(), overrides=QUIET, output=log)
    bypassed = WebTier(keys=master_keys(), overrides=owner_env, output=log)
    with enforced, bypassed:
        for server in (enforced, bypassed):
            for path in pages.values():
                latencies(server.port, path, headers, 20)
        for name, path in pages.items():
            on, off = interleaved_servers(
                [(enforced.port, path, headers), (bypassed.port, path, headers)], args.requests
            )
            with_rls, without = (
                line(f"{name} page, enforced", on),
                line(f"{name} page, bypassed", off),
            )
            print(
                f"  ratio {name} enforced/bypassed {with_rls[0] / without[0]:.2f} (median)"
                f"  {with_rls[1] / without[1]:.2f} (p95)"
            )
        # Rounds in ABBA order, so a drift of the machine's load hits both alike.
        c, s, rounds = args.concurrency, args.seconds / 2, 4
        for name, path in pages.items():
            rates = {"enforced": [], "bypassed": []}
            for i in range(rounds):
                order = ("enforced", "bypassed") if i % 2 == 0 else ("bypassed", "enforced")
                for which in order:
                    port = (enforced if which == "enforced" else bypassed).port
                    rates[which].append(throughput(port, path, headers, concurrency=c, seconds=s))
            on, off = (sum(rates[k]) / rounds for k in ("enforced", "bypassed"))
            print(
                f"  {name} page throughput ({rounds} rounds of {s:.1f} s): "
                f"enforced {on:6.0f} req/s, bypassed {off:6.0f} req/s, ratio {on / off:.2f}"
            )


if __name__ == "__main__":
    main()
