"""Retention: a run that deletes the same conversations in a tenant of 100,000 and
of 1,000,000 messages, and the inbox while a run deletes.

    DATABASE_URL=postgres://... .venv/bin/python bench/retention_bench.py
        [--delete 10000] [--small 100000] [--large 1000000] [--rounds 3]
        [--inbox-rounds 3] [--clients 4] [--reseed] [--quick]

Each tenant keeps its retention at 365 days and holds conversations active
within the last 300 days (10 messages each) beside, in every round, ``--delete``
conversations with no activity for 400 to 700 days (2 messages each, one
contact each, a third of them closed): the run deletes exactly those, their
messages, and their contacts (crypto-shredded). The tenants hold ``--small``
and ``--large`` messages in all, the conversations to delete included.
Figures, PostgreSQL only:

* the time of ``retention_apply`` (every batch, the keys destroyed, the summary
  audit event) in each tenant, and the ratio large / small (target at most 1.2:
  the cost follows what is deleted, not the size of the tables); the dry run's
  counts are checked against the run's, and the time of the dry run is printed;
* the p99 latency of the inbox page (HTTP, gunicorn, an owner's verified
  session, ``--clients`` keep-alive clients) in the large tenant while another
  process applies retention to it (at nice 10, as the worker runs), against the
  same load for as long with nothing deleted (target at most 1.5). Phases
  alternate (A/B, B/A) ``--inbox-rounds`` times; latencies are pooled per phase.

The kept conversations are seeded once per tenant (slugs ``retention-small-...``
and ``retention-large-...``) and reused when their counts match (``--reseed``
deletes and seeds one of the wrong size); the conversations to delete are seeded
before each run, untimed, alike in both tenants. Seeding encrypts every value
under its contact's key, bound to its row, and inserts with COPY
(bench/_bulk_seed.py). Conversations left due by an interrupted run are deleted
at the next start.

``--quick`` runs every step with small numbers, also on the embedded default
(SQLite), as a smoke test (tests/test_retention_bench.py): its figures mean nothing.
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from _django import setup
from _figures import Tally, percentile

setup()

from _bulk_seed import Encryptor, check_readable, data_keys, insert  # noqa: E402
from _http import Gunicorn, get  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from dsr_bench import INBOX, inbox_load, owner_cookie, quiet_load, settle  # noqa: E402

from conversations.models import Contact, ContactIdentifier, Conversation, Message  # noqa: E402
from instaply.ids import uuid7  # noqa: E402
from privacy.blind_index import blind_index  # noqa: E402
from privacy.retention.models import RetentionPolicy  # noqa: E402
from privacy.retention.run import retention_apply, retention_preview  # noqa: E402
from tenants.models import Membership, Shop, Tenant, User  # noqa: E402

INACTIVE_DAYS = 365
KEPT_AGE = (0, 300)  # days since the last activity of the kept conversations
DUE_AGE = (400, 700)  # and of the conversations to delete
PER_KEPT, PER_DUE = 10, 2
CHUNK = 2000  # conversations seeded per transaction
# The numbers of the contacts seeded to be deleted differ from run to run.
RUN = random.randrange(10000)

_encrypt = {
    "name": Encryptor(Contact, "name"),
    "phone": Encryptor(Contact, "phone"),
    "preview": Encryptor(Conversation, "last_message_preview"),
    "body": Encryptor(Message, "body"),
}


def _body(n: int, m: int) -> str:
    return f"Message {m} of conversation {n}: is the order for Saturday ready? " * 2


# Seeding ---------------------------------------------------------------------------


def seed_conversations(tenant, *, count: int, per: int, age: tuple, prefix: str) -> None:
    """``count`` conversations of ``per`` messages, one new contact each, last
    active ``age`` days ago (uniformly), a third of them closed."""
    shop = Shop.objects.for_tenant(tenant).order_by("created_at", "id").first()
    now, tid = timezone.now(), tenant.pk
    for start in range(0, count, CHUNK):
        ids = [uuid7() for _ in range(min(CHUNK, count - start))]
        ciphers = data_keys(tid, ids)
        contacts, identifiers, conversations, messages = [], [], [], []
        for i, contact_id in enumerate(ids):
            n, cipher = start + i, ciphers[contact_id]
            phone = f"{prefix}{n:07d}"
            last = now - dt.timedelta(days=random.uniform(*age))
            contacts.append(
                {
                    "id": contact_id,
                    "tenant_id": tid,
                    "name": _encrypt["name"](cipher, tid, contact_id, f"Customer {n}"),
                    "phone": _encrypt["phone"](cipher, tid, contact_id, phone),
                    "created_at": last - dt.timedelta(days=1),
                }
            )
            identifiers.append(
                {
                    "id": uuid7(),
                    "tenant_id": tid,
                    "contact_id": contact_id,
                    "kind": "phone",
                    "blind_index": blind_index(tid, "phone", phone),
                }
            )
            conversation_id = uuid7()
            conversations.append(
                {
                    "id": conversation_id,
                    "tenant_id": tid,
                    "shop_id": shop.pk,
                    "contact_id": contact_id,
                    "channel": "sms",
                    "endpoint_id": shop.pk,
                    "status": "closed" if n % 3 == 0 else "open",
                    "created_at": last - dt.timedelta(hours=1),
                    "last_activity_at": last,
                    "last_message_preview": _encrypt["preview"](
                        cipher, tid, conversation_id, _body(n, per - 1)[:80]
                    ),
                    "inbound_count": (per + 1) // 2,
                }
            )
            for m in range(per):
                message_id, at = uuid7(), last - dt.timedelta(minutes=per - m)
                inbound = m % 2 == 0
                messages.append(
                    {
                        "id": message_id,
                        "tenant_id": tid,
                        "conversation_id": conversation_id,
                        "contact_id": contact_id,
                        "direction": "inbound" if inbound else "outbound",
                        "sender_kind": "contact" if inbound else "member",
                        "status": "received" if inbound else "delivered",
                        "body": _encrypt["body"](cipher, tid, message_id, _body(n, m)),
                        "created_at": at,
                        "status_changed_at": at,
                    }
                )
        with transaction.atomic():
            for model, rows in (
                (Contact, contacts),
                (ContactIdentifier, identifiers),
                (Conversation, conversations),
                (Message, messages),
            ):
                insert(model, rows)
    if count:
        _check(tenant)


def _check(tenant) -> None:
    """Seeded values open through the ORM, bound to their rows (key cache emptied)."""
    for model, name, start in (
        (Contact, "name", "Customer "),
        (Conversation, "last_message_preview", "Message "),
        (Message, "body", "Message "),
    ):
        newest = model.objects.for_tenant(tenant).order_by("-id")
        check_readable(newest, name, lambda value, start=start: value.startswith(start))


def seed_tenant(slug: str, *, kept_messages: int, reseed: bool) -> Tenant:
    """The tenant with its kept conversations: reused when complete."""
    kept = kept_messages // PER_KEPT
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is not None:
        delete_leftovers(tenant)
        found = Message.objects.for_tenant(tenant).count()
        if found == kept * PER_KEPT:
            return tenant
        if not reseed:
            sys.exit(f"{slug} holds {found:,} messages, not {kept * PER_KEPT:,}: run with --reseed")
        drop_tenant(tenant)
    print(f"seeding {slug}: {kept:,} conversations, {kept * PER_KEPT:,} messages", flush=True)
    started = time.monotonic()
    with transaction.atomic():
        tenant = Tenant.objects.create(name=slug, slug=slug)
        Shop.objects.create(tenant=tenant, name=f"{slug} shop")
        RetentionPolicy.objects.create(tenant=tenant, inactive_days=INACTIVE_DAYS)
    seed_conversations(tenant, count=kept, per=PER_KEPT, age=KEPT_AGE, prefix="+3361")
    analyze()
    print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    return tenant


def seed_due(tenant: Tenant, count: int, number: int) -> None:
    """The conversations the next run deletes (untimed)."""
    prefix = f"+337{number % 100:02d}{RUN:04d}"
    seed_conversations(tenant, count=count, per=PER_DUE, age=DUE_AGE, prefix=prefix)


def delete_leftovers(tenant: Tenant) -> None:
    """What an interrupted run seeded and did not delete: deleted now, untimed."""
    if retention_preview(tenant)["conversations"]:
        print(f"deleting conversations left due by an interrupted run in {tenant.slug}")
        retention_apply(tenant)


def drop_tenant(tenant: Tenant) -> None:
    """Deletes a bench tenant and what it holds (keys last: the data keys protect them)."""
    from privacy.models import DataKey, TenantKey

    with transaction.atomic():
        for model in (Message, Conversation, ContactIdentifier, Contact, RetentionPolicy, Shop):
            model.objects.for_tenant(tenant).delete()
        for model in (DataKey, TenantKey):
            model.objects.for_tenant(tenant).delete()
        users = [m.user_id for m in Membership.objects.for_tenant(tenant)]
        tenant.delete()
        User.objects.filter(pk__in=users).delete()


def analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# One run ---------------------------------------------------------------------------


def run_once(tenant: Tenant, expected: int) -> tuple[float, float, dict]:
    """(dry-run seconds, run seconds, counts) of one run that must delete ``expected``
    conversations, with the dry run's counts equal to the run's."""
    started = time.perf_counter()
    preview = retention_preview(tenant)
    dry = time.perf_counter() - started
    started = time.perf_counter()
    counts = retention_apply(tenant)
    elapsed = time.perf_counter() - started
    if counts["conversations"] != expected or counts["messages"] != expected * PER_DUE:
        raise RuntimeError(f"the run deleted {counts}, not {expected:,} conversations")
    if counts["contacts"] != expected or preview != counts:
        raise RuntimeError(f"the dry run said {preview}, the run did {counts}")
    return dry, elapsed, counts


def measure(tenants: dict, *, delete: int, rounds: int) -> dict:
    samples = {f"{kind}_{name}": [] for kind in ("dry", "run") for name in tenants}
    for number in range(rounds):
        # Small then large, large then small: a drift in the machine's load hits both.
        order = list(tenants.items())[:: 1 if number % 2 == 0 else -1]
        for _, tenant in order:
            seed_due(tenant, delete, number)
        settle()
        for name, tenant in order:
            dry, elapsed, _ = run_once(tenant, delete)
            samples[f"dry_{name}"].append(dry)
            samples[f"run_{name}"].append(elapsed)
        print(f"  round {number + 1} of {rounds}", flush=True)
    median = {name: statistics.median(values) for name, values in samples.items()}
    return median | {"large_over_small": median["run_large"] / median["run_small"]}


# The inbox during a run -------------------------------------------------------------


def apply_in_child(tenant: Tenant) -> subprocess.Popen:
    """Applies retention in another process, as the worker would (at nice 10),
    so the load generator and the run do not share this interpreter's lock."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--apply-tenant", str(tenant.pk)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    line = child.stdout.readline()  # "applying": set up, migrations checked
    if line.strip() != "applying":
        child.wait()
        raise RuntimeError(f"the retention process did not start ({line!r})")
    return child


def apply_here(tenant_id: str) -> None:
    """The child's side."""
    os.nice(10)  # as the worker runs (docker-compose.yml)
    tenant = Tenant.objects.get(pk=tenant_id)
    print("applying", flush=True)
    started = time.perf_counter()
    counts = retention_apply(tenant)
    print(json.dumps({"seconds": time.perf_counter() - started, "counts": counts}), flush=True)


def run_under_load(port, headers, clients, tenant, deleting: Tally, durations: list) -> float:
    done = threading.Event()
    started = time.perf_counter()
    child = apply_in_child(tenant)
    watcher = threading.Thread(target=lambda: (child.wait(), done.set()))
    watcher.start()
    deleting.merge(inbox_load(port, headers, clients, done))
    watcher.join()
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"the retention process failed ({child.returncode})")
    durations.append(json.loads(child.stdout.read().strip().splitlines()[-1])["seconds"])
    return seconds


def inbox_during_runs(tenant: Tenant, *, delete: int, rounds: int, clients: int) -> dict:
    headers = {"Cookie": owner_cookie(tenant)}
    idle, deleting, durations = Tally(), Tally(), []
    with Gunicorn() as server:
        for _ in range(20):  # warm every worker: keys, templates, plans
            status, _ = get(server.port, INBOX, headers)
            if status != 200:
                raise RuntimeError(f"{INBOX} answered {status} to the owner's session")
        seconds = 0.0
        for number in range(rounds):
            seed_due(tenant, delete, 50 + number)
            settle()
            # Run then idle, idle then run: neither phase always follows the seeding.
            if number % 2 == 0:
                seconds = run_under_load(server.port, headers, clients, tenant, deleting, durations)
                quiet_load(server.port, headers, clients, seconds, idle)
            else:
                quiet_load(server.port, headers, clients, seconds, idle)
                seconds = run_under_load(server.port, headers, clients, tenant, deleting, durations)
    idle_p99 = percentile(sorted(idle.latencies), 0.99)
    deleting_p99 = percentile(sorted(deleting.latencies), 0.99)
    return {
        "clients": clients,
        "rounds": rounds,
        "run_s": statistics.median(durations),
        "idle_count": len(idle.latencies),
        "deleting_count": len(deleting.latencies),
        "idle_p50": percentile(sorted(idle.latencies), 0.50),
        "deleting_p50": percentile(sorted(deleting.latencies), 0.50),
        "idle_p99": idle_p99,
        "deleting_p99": deleting_p99,
        "p99_ratio": deleting_p99 / idle_p99,
    }


# Report -----------------------------------------------------------------------------


def report(args, figures: dict, inbox: dict) -> None:
    d = args.delete
    print(
        f"\na run deleting {d:,} conversations ({d * PER_DUE:,} messages, {d:,} contacts), "
        f"median of {args.rounds} (load average {os.getloadavg()[0]:.1f})"
    )
    for name, total in (("small", args.small), ("large", args.large)):
        print(
            f"  {name} tenant ({total:,} messages)   run {figures[f'run_{name}']:7.2f} s   "
            f"dry run {figures[f'dry_{name}']:6.2f} s"
        )
    ratio = figures["large_over_small"]
    print(f"  ratio large / small                 {ratio:.2f}   target <= 1.2")
    print(
        f"inbox page, large tenant, {inbox['clients']} keep-alive clients, gunicorn 2 x 8 "
        f"threads, {inbox['rounds']} runs (median {inbox['run_s']:.1f} s) in another process"
    )
    for phase in ("idle", "deleting"):
        p50, p99 = inbox[f"{phase}_p50"] * 1000, inbox[f"{phase}_p99"] * 1000
        print(
            f"  {phase:<9} {inbox[f'{phase}_count']:6,} pages   "
            f"p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"
        )
    print(f"  ratio p99 deleting / idle           {inbox['p99_ratio']:.2f}   target <= 1.5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delete", type=int, default=10000, help="conversations each run deletes")
    parser.add_argument("--small", type=int, default=100000, help="messages of the small tenant")
    parser.add_argument("--large", type=int, default=1000000, help="messages of the large tenant")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--inbox-rounds", type=int, default=3, help="runs under inbox load")
    parser.add_argument("--clients", type=int, default=4, help="inbox clients")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--quick", action="store_true", help="small numbers: a smoke test")
    parser.add_argument("--apply-tenant", help=argparse.SUPPRESS)  # the child that applies
    args = parser.parse_args()
    if args.apply_tenant:
        apply_here(args.apply_tenant)
        return
    if args.quick:
        args.delete, args.small, args.large = 100, 1000, 3000
        args.rounds, args.inbox_rounds, args.clients = 2, 2, 2
    elif connection.vendor != "postgresql":
        sys.exit("retention_bench measures PostgreSQL: set DATABASE_URL=postgres://...")
    due_messages = args.delete * PER_DUE
    if min(args.small, args.large) <= due_messages:
        sys.exit(f"each tenant must hold more than the {due_messages:,} messages a run deletes")
    tenants = {
        name: seed_tenant(
            f"retention-{name}-{total}-{args.delete}",
            kept_messages=total - due_messages,
            reseed=args.reseed,
        )
        for name, total in (("small", args.small), ("large", args.large))
    }
    for tenant in tenants.values():  # warm: keys, caches, plans
        retention_preview(tenant)
    figures = measure(tenants, delete=args.delete, rounds=args.rounds)
    inbox = inbox_during_runs(
        tenants["large"], delete=args.delete, rounds=args.inbox_rounds, clients=args.clients
    )
    report(args, figures, inbox)
    if args.quick:
        print("\n--quick: every step ran; with these numbers the figures mean nothing")


if __name__ == "__main__":
    main()
