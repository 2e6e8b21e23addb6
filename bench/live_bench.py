"""Open live connections against the rest of the API, on the web tier as docker-compose.yml runs it.

Starts the `web` service's command from docker-compose.yml on loopback (with
PostgreSQL and Redis from DATABASE_URL / REDIS_URL, production settings and
throwaway keys), then for 0, 500 and 2,000 open waits on /api/v1/events prints:

* /api/v1/me latency, p50 / p99 (sequential requests on one connection);
* inbox page throughput (/api/v1/conversations, several connections at once);
* the web tier's memory (RSS of gunicorn's master and workers) and thread count;
* how long a revoked member's open wait stays open after the revocation commits.

The same /api/v1/me and inbox figures are taken first on today's threaded
layout (gthread, 2 x 8) in the same run: the serving-layout comparison of
docs/scaling.md. Figures, never assertions; targets are printed beside them.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/live_bench.py
"""

import argparse
import base64
import hashlib
import http.client
import os
import resource
import secrets
import selectors
import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Fixed, so data seeded by an earlier run stays readable; never a real key.
BENCH_KEYS = "v1:" + base64.b64encode(hashlib.sha256(b"instaply live bench").digest()).decode()
os.environ["INSTAPLY_MASTER_KEYS"] = BENCH_KEYS

from bench import processes  # noqa: E402
from bench._django import setup  # noqa: E402

setup()

from django.db import connection  # noqa: E402

from bench.inbox_bench import seed  # noqa: E402
from tenants.models import Membership, Role, User  # noqa: E402
from tenants.services.members import membership_revoke  # noqa: E402
from tenants.services.tokens import api_token_create  # noqa: E402

TENANT_SLUG = "live-bench"
WATCHERS = 50  # members whose tokens the open waits use, in turn
HEADERS = {"X-Forwarded-Proto": "https"}  # as the TLS proxy in front of the tier sets it


def raise_open_files(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, max(soft, wanted)) if hard != resource.RLIM_INFINITY else wanted
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


class WebTier(processes.WebTier):
    """The compose file's web command (bench/processes.py), with the figures this
    bench reads from its processes."""

    def wait_until_idle(self, *, busy=0.1, window=0.5, limit=30.0) -> float:
        """Seconds until the tier uses less than ``busy`` of a CPU: the waits just
        opened have all been read once and are now parked."""
        started, last = time.monotonic(), self.cpu_seconds()
        while time.monotonic() - started < limit:
            time.sleep(window)
            now = self.cpu_seconds()
            if (now - last) / window < busy:
                break
            last = now
        return time.monotonic() - started

    def memory(self) -> tuple[float, int]:
        """RSS in MiB and threads, summed over gunicorn's master and workers."""
        rss, threads = 0, 0
        for pid in self.pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads += int(line.split()[1])
        return rss / 1024, threads


def request(port, path, headers, conn=None) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=HEADERS | headers)
    response = conn.getresponse()
    body = response.read()
    if own:
        conn.close()
    return response.status, body


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def me_latency(port: int, token: str, n: int) -> tuple[float, float]:
    samples = me_samples(port, token, n)
    return percentile(samples, 0.5) * 1000, percentile(samples, 0.99) * 1000


def me_samples(port: int, token: str, n: int) -> list[float]:
    """Seconds each, sequential requests on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        status, _ = request(port, "/api/v1/me", {"Authorization": f"Bearer {token}"}, conn)
        samples.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"/api/v1/me answered {status}")
    conn.close()
    return samples


def inbox_throughput(port: int, token: str, seconds: float, concurrency: int) -> float:
    path, headers = "/api/v1/conversations?limit=25", {"Authorization": f"Bearer {token}"}
    counts, failures = [0] * concurrency, []
    stop = time.monotonic() + seconds

    def client(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            status, _ = request(port, path, headers, conn)
            if status != 200:
                failures.append(status)
                return
            counts[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"the inbox page answered {failures[0]}")
    return sum(counts) / (time.monotonic() - started)


def open_wait(port: int, token: str, cursor: int) -> socket.socket:
    """A wait on the feed, sent and left open: the server holds it up to 25 s."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    lines = [
        f"GET /api/v1/events?after={cursor}&wait=25 HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: Bearer {token}",
        *(f"{k}: {v}" for k, v in HEADERS.items()),
        "",
        "",
    ]
    sock.sendall("\r\n".join(lines).encode())
    return sock


def answered(socks: list[socket.socket]) -> int:
    """How many open waits got an answer (or were closed) already."""
    return sum(_readable(sock) for sock in socks)


def _readable(sock: socket.socket) -> bool:
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(0))


def revocation_delay(port: int, owner: Membership, tenant, cursor: int) -> tuple[float, str]:
    """Seconds between a revocation's commit and the end of the member's open wait."""
    user = User.objects.create_user(f"revoked-{secrets.token_hex(4)}@{TENANT_SLUG}.bench", "x" * 16)
    member = Membership.objects.create(tenant=tenant, user=user, role=Role.AGENT)
    _, raw = api_token_create(membership=member, name="bench revocation")
    sock = open_wait(port, raw, cursor)
    time.sleep(2.0)  # well inside its wait
    if _readable(sock):
        return float("nan"), "answered before the revocation"
    membership_revoke(actor=owner, membership=member)
    revoked = time.monotonic()
    sock.settimeout(30)
    head = sock.recv(64)
    delay = time.monotonic() - revoked
    sock.close()
    return delay, head.split(b"\r\n", 1)[0].decode(errors="replace")


def prepare():
    tenant = seed(TENANT_SLUG, 300, 4)
    owner = Membership.objects.for_tenant(tenant).filter(role=Role.OWNER).first()
    if owner is None:
        user = User.objects.create_user(f"owner@{TENANT_SLUG}.bench", "bench password 123")
        owner = Membership.objects.create(tenant=tenant, user=user, role=Role.OWNER)
    agent = Membership.objects.for_tenant(tenant).get(
        role=Role.AGENT, user__email__startswith="agent@"
    )
    token = api_token_create(membership=agent, name="bench inbox")[1]
    watchers = []
    for i in range(WATCHERS):
        user, _ = User.objects.get_or_create(email=f"watcher{i}@{TENANT_SLUG}.bench")
        member, _ = Membership.objects.get_or_create(
            tenant=tenant, user=user, defaults={"role": Role.VIEWER}
        )
        watchers.append(api_token_create(membership=member, name="bench watcher")[1])
    return tenant, owner, token, watchers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--open",
        default="0,500,2000,0",
        help="open live connections per phase (0 twice: before and after, for drift)",
    )
    parser.add_argument("--requests", type=int, default=400, help="sequential /api/v1/me requests")
    parser.add_argument("--seconds", type=float, default=4.0, help="each inbox throughput run")
    parser.add_argument("--concurrency", type=int, default=4, help="inbox clients at once")
    parser.add_argument("--rounds", type=int, default=3, help="turns of the layout comparison")
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        sys.exit("live_bench runs the production tier: set DATABASE_URL (PostgreSQL) and REDIS_URL")
    phases = [int(n) for n in args.open.split(",")]
    limit = raise_open_files(2 * max(phases) + 1024)
    tenant, owner, token, watchers = prepare()
    from conversations.selectors import feed_latest_seq

    cursor = feed_latest_seq(tenant=tenant)
    print(f"open-file limit {limit}; {WATCHERS} watchers; tier: {' '.join(WebTier().command)}")

    print(
        "\nserving layout, nothing open: today's gthread (2 x 8, WSGI) against the compose tier,"
        f" both running, measured in turn for {args.rounds} rounds"
    )
    tiers = {
        "gthread 2x8 (wsgi)": WebTier(
            overrides={"WEB_WORKER_CLASS": "gthread"}, app="instaply.wsgi:application"
        ),
        "compose tier": WebTier(),
    }
    samples = {label: [] for label in tiers}
    rates = {label: [] for label in tiers}
    with tiers["gthread 2x8 (wsgi)"], tiers["compose tier"]:
        for tier in tiers.values():
            me_samples(tier.port, token, 50)  # warm every worker
            inbox_throughput(tier.port, token, 1.0, args.concurrency)
        for _ in range(args.rounds):
            for label, tier in tiers.items():
                samples[label] += me_samples(tier.port, token, args.requests // args.rounds)
                rates[label].append(
                    inbox_throughput(tier.port, token, args.seconds, args.concurrency)
                )
        memory = {label: tier.memory() for label, tier in tiers.items()}
    figures = {}
    for label in tiers:
        p50, p99 = percentile(samples[label], 0.5) * 1000, percentile(samples[label], 0.99) * 1000
        rate = sum(rates[label]) / len(rates[label])
        figures[label] = (p50, p99, rate)
        rss, threads = memory[label]
        print(
            f"  {label:<20} /api/v1/me p50 {p50:6.2f} ms  p99 {p99:6.2f} ms   "
            f"inbox {rate:6.1f} req/s (rounds: {', '.join(f'{r:.0f}' for r in rates[label])})"
            f"   RSS {rss:6.0f} MiB  threads {threads}"
        )
    (g50, g99, grate), (a50, a99, arate) = figures.values()
    print(
        f"  compose tier / gthread: /api/v1/me p50 {a50 / g50:.2f}  p99 {a99 / g99:.2f}   "
        f"inbox throughput {arate / grate:.2f}"
    )

    print("\nopen live connections on the compose tier")
    results = []
    with WebTier() as tier:
        me_latency(tier.port, token, 50)
        inbox_throughput(tier.port, token, 1.0, args.concurrency)
        for n in phases:
            started = time.monotonic()
            socks = [open_wait(tier.port, watchers[i % WATCHERS], cursor) for i in range(n)]
            tier.wait_until_idle()
            opened = time.monotonic() - started
            p50, p99 = me_latency(tier.port, token, args.requests)
            rate = inbox_throughput(tier.port, token, args.seconds, args.concurrency)
            rss, threads = tier.memory()
            delay, status = revocation_delay(tier.port, owner, tenant, cursor)
            early = answered(socks)
            held = time.monotonic() - started
            for sock in socks:
                sock.close()
            results.append((n, p50, p99, rate, delay))
            print(
                f"  {n:>5} open: /api/v1/me p50 {p50:6.2f} ms  p99 {p99:6.2f} ms   "
                f"inbox {rate:6.1f} req/s   RSS {rss:6.0f} MiB  threads {threads:>5}   "
                f"revoked wait open {delay:.2f} s ({status})   "
                f"answered early {early}/{n} (held {held:.0f} s, parked after {opened:.1f} s)"
            )
            time.sleep(3)  # let the closed connections drain before the next phase

    none_open = [rate for n, _, _, rate, _ in results if n == 0]
    base_rate = sum(none_open) / len(none_open)
    print(f"\nagainst the targets (inbox, none open: {base_rate:.1f} req/s, mean of those phases)")
    for n, _, p99, rate, delay in results:
        if n == 0:
            continue
        print(
            f"  {n:>5} open: /api/v1/me p99 {p99:.1f} ms (target < 50)   inbox throughput "
            f"{rate / base_rate:.2f} of none open (target >= 0.90)   "
            f"revocation {delay:.2f} s (target < 2)"
        )


if __name__ == "__main__":
    main()
