"""Data-subject requests: package and erasure against the tenant's size, the package
against a raw read, the inbox during an erasure.

    DATABASE_URL=postgres://... .venv/bin/python bench/dsr_bench.py
        [--messages 10000] [--others 10000] [--scale 20] [--rounds 5]
        [--inbox-rounds 5] [--clients 4] [--reseed] [--quick]

Two tenants hold the same subject (``--messages`` messages, one conversation),
the small one beside ``--others`` messages of other contacts (1,000 each), the
large one beside ``--scale`` times as many messages in all. Figures, PostgreSQL only:

* the time to build the subject's access package in each tenant and the ratio
  large / small (target at most 1.2: the cost follows the subject, not the tenant);
* the package's throughput (the subject's messages per second of the whole
  build: every file, decryption, JSON, deflate, fsync) against a raw read of
  the same message rows through a server-side cursor (no model, no decryption),
  target at least 0.5; and the peak Python memory of one build (tracemalloc);
* the time to erase a subject of ``--messages`` messages in each tenant
  (``erase_subject``, the executor of the erasure task: every batch, the key
  destroyed, the receipt) and the ratio large / small (target at most 1.2);
* the p99 latency of the inbox page (HTTP, gunicorn, an owner's verified
  session, ``--clients`` keep-alive clients) in the large tenant while a subject
  of the same tenant is erased in another process, against the same load with
  no erasure (target at most 1.5). Idle and erasure phases alternate (A/B,
  B/A), as long as each other, ``--inbox-rounds`` times, after a checkpoint;
  the latencies are pooled per phase.

Rounds alternate raw read, builds and erasures; each figure is a median. The
two tenants are seeded once (slugs ``dsr-small-<messages>-<others>`` and
``dsr-large-...``, each message encrypted under its contact's key) and reused
when their counts match; ``--reseed`` deletes and seeds one of the wrong size.
A subject to erase is seeded just before its erasure (untimed, the same way in
both tenants) and one left by an interrupted run is erased at the next start;
each round's requests, package files and erasure records are deleted after it.

``--quick`` runs every step with small numbers, also on the embedded default
(SQLite), as a smoke test (tests/test_dsr_bench.py): its figures mean nothing.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from _django import setup
from _figures import Tally, describe_errors, percentile

setup()

from _http import Gunicorn, get  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from conversations.models import Contact, Conversation, Message  # noqa: E402
from privacy.dsr.erasure import erase_subject  # noqa: E402
from privacy.dsr.models import DataSubjectRequest, ErasureRecord  # noqa: E402
from privacy.dsr.package import CHUNK, MESSAGE_COLUMNS, build_access_package  # noqa: E402
from privacy.dsr.tests.package_support import access_request, add_messages, subject  # noqa: E402
from tenants.models import Membership, Role, Shop, Tenant, User  # noqa: E402

SUBJECT_PHONE = "+33600000001"
# Subjects seeded to be erased: a range of their own, found again after a crash.
ERASED_PREFIX = "+336200"
PER_OTHER = 1000
INBOX = "/inbox/"
RAW_COLUMNS = MESSAGE_COLUMNS  # the rows the package reads, as it reads them


def _body(i: int) -> str:
    return f"Message {i}: is the order for Saturday ready? I can come after 6pm. " * 2


# Seeding ---------------------------------------------------------------------------


def seed(slug: str, *, messages: int, others: int, reseed: bool) -> tuple[Tenant, Contact]:
    """The tenant and its subject: reused when complete, else refused or seeded anew."""
    tenant = Tenant.objects.filter(slug=slug).first()
    expected = messages + others
    if tenant is not None:
        erase_leftovers(tenant)
        found = Message.objects.for_tenant(tenant).count()
        subject_contact = _subject_of(tenant)
        if found == expected and subject_contact is not None:
            return tenant, subject_contact
        if not reseed:
            sys.exit(f"{slug} holds {found:,} messages, not {expected:,}: run with --reseed")
        drop_tenant(tenant)
    print(f"seeding {slug}: {messages:,} messages of the subject, {others:,} of others", flush=True)
    started = time.monotonic()
    with transaction.atomic():
        tenant = Tenant.objects.create(name=slug, slug=slug)
        shop = Shop.objects.create(tenant=tenant, name=f"{slug} shop")
    contact, conversation = subject(tenant, shop, name="Bench Subject", phone=SUBJECT_PHONE)
    add_messages(conversation, messages, body=_body)
    per_other = min(PER_OTHER, others) or 1
    for n in range(others // per_other):
        _, other = subject(tenant, shop, name=f"Other {n}", phone=f"+3361{n:08d}")
        add_messages(other, per_other, body=_body)
        if n % 50 == 0:
            print(f"  {n * per_other:,} messages of others", flush=True)
    analyze()
    print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    return tenant, contact


def analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _subject_of(tenant: Tenant) -> Contact | None:
    for contact in Contact.objects.for_tenant(tenant).order_by("created_at", "id")[:1]:
        return contact if contact.phone == SUBJECT_PHONE else None
    return None


def drop_tenant(tenant: Tenant) -> None:
    """Deletes a bench tenant and what it holds (keys last: the data keys protect them)."""
    from privacy.models import DataKey, TenantKey

    with transaction.atomic():
        ErasureRecord.objects.for_tenant(tenant).delete()
        DataSubjectRequest.objects.for_tenant(tenant).delete()
        for model in (Message, Conversation, Contact, Shop, DataKey, TenantKey):
            model.objects.for_tenant(tenant).delete()
        users = [m.user_id for m in Membership.objects.for_tenant(tenant)]
        tenant.delete()
        User.objects.filter(pk__in=users).delete()


def erased_subject(tenant: Tenant, messages: int, number: int) -> Contact:
    """A new subject with ``messages`` messages, to be erased (seeding untimed)."""
    shop = Shop.objects.for_tenant(tenant).order_by("created_at", "id").first()
    phone = f"{ERASED_PREFIX}{os.getpid() % 10000:04d}{number:02d}"
    contact, conversation = subject(tenant, shop, name=f"Erased {number}", phone=phone)
    add_messages(conversation, messages, body=_body)
    return contact


def erase_leftovers(tenant: Tenant) -> None:
    """Subjects an interrupted run seeded and did not erase: erased now, so the
    tenant's counts match again."""
    for contact in Contact.objects.for_tenant(tenant):
        # A subject whose key is already destroyed has no message left (step 5 comes last).
        if isinstance(contact.phone, str) and contact.phone.startswith(ERASED_PREFIX):
            print(f"erasing a subject left by an interrupted run in {tenant.slug}", flush=True)
            erase_once(tenant, contact)


# One build, one erasure -----------------------------------------------------------


def raw_read(contact: Contact) -> tuple[float, int]:
    """The subject's message rows through a server-side cursor, as stored."""
    table = Message._meta.db_table
    sql = (
        f"SELECT {', '.join(RAW_COLUMNS)} FROM {table} "  # noqa: S608 (constant names)
        "WHERE tenant_id = %s AND contact_id = %s ORDER BY created_at, id"
    )
    started = time.perf_counter()
    rows = 0
    with connection.chunked_cursor() as cursor:
        # UUIDs as the backend stores them (SQLite, for --quick, has no uuid type).
        uuid = Contact._meta.pk
        cursor.execute(
            sql, [uuid.get_db_prep_value(v, connection) for v in (contact.tenant_id, contact.pk)]
        )
        while batch := cursor.fetchmany(CHUNK):
            rows += len(batch)
    return time.perf_counter() - started, rows


def build_once(tenant: Tenant, contact: Contact) -> tuple[float, dict]:
    dsr = access_request(tenant, contact)
    started = time.perf_counter()
    try:
        counts = build_access_package(dsr, contact, lambda percent: None)
        return time.perf_counter() - started, counts
    finally:
        package = getattr(dsr, "package", None)
        if package is not None:
            (settings.PRIVACY_PACKAGE_DIR / package.storage_name).unlink(missing_ok=True)
        dsr.delete()


def erasure_request(tenant: Tenant, contact: Contact) -> DataSubjectRequest:
    return access_request(tenant, contact, request_type=DataSubjectRequest.Type.ERASURE)


def forget(dsr: DataSubjectRequest) -> None:
    """The bench's request and its evidence record (kept in production, not here)."""
    with transaction.atomic():
        ErasureRecord.objects.for_tenant(dsr.tenant_id).filter(request=dsr).delete()
        dsr.delete()


def erase_once(tenant: Tenant, contact: Contact) -> float:
    dsr = erasure_request(tenant, contact)
    started = time.perf_counter()
    erase_subject(dsr, contact, lambda percent: None)
    elapsed = time.perf_counter() - started
    forget(dsr)
    if Message.objects.for_tenant(tenant).filter(contact_id=contact.pk).exists():
        raise RuntimeError("the erasure left messages behind")
    return elapsed


def peak_memory(tenant: Tenant, contact: Contact) -> int:
    tracemalloc.start()
    try:
        build_once(tenant, contact)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(*, messages=10000, others=10000, scale=20, rounds=5, reseed=False) -> dict:
    """Seeds (or reuses) both tenants, runs the rounds, returns the figures."""
    small = seed(f"dsr-small-{messages}-{others}", messages=messages, others=others, reseed=reseed)
    large_others = (messages + others) * scale - messages
    large = seed(
        f"dsr-large-{messages}-{large_others}",
        messages=messages,
        others=large_others,
        reseed=reseed,
    )
    build_once(*small)  # warm: keys, caches, plans
    samples = {name: [] for name in ("raw_small", "small", "large", "erase_small", "erase_large")}
    for number in range(rounds):
        elapsed, rows = raw_read(small[1])
        assert rows == messages, rows
        samples["raw_small"].append(elapsed)
        # Small then large, large then small: a drift in the machine's load hits both.
        order = (("small", small), ("large", large))[:: 1 if number % 2 == 0 else -1]
        for name, (tenant, contact) in order:
            samples[name].append(build_once(tenant, contact)[0])
        victims = {name: erased_subject(tenant, messages, number) for name, (tenant, _) in order}
        for name, (tenant, _) in order:
            samples[f"erase_{name}"].append(erase_once(tenant, victims[name]))
        print(f"  round {number + 1} of {rounds}", flush=True)
    peak = peak_memory(*large)
    median = {name: statistics.median(values) for name, values in samples.items()}
    raw_rate, package_rate = messages / median["raw_small"], messages / median["small"]
    return {
        "messages": messages,
        "small": small,
        "large": large,
        "small_tenant_messages": messages + others,
        "large_tenant_messages": messages + large_others,
        "build_small_s": median["small"],
        "build_large_s": median["large"],
        "large_over_small": median["large"] / median["small"],
        "raw_rows_per_s": raw_rate,
        "package_rows_per_s": package_rate,
        "throughput_ratio": package_rate / raw_rate,
        "peak_memory_bytes": peak,
        "erase_small_s": median["erase_small"],
        "erase_large_s": median["erase_large"],
        "erase_large_over_small": median["erase_large"] / median["erase_small"],
    }


# The inbox during an erasure ------------------------------------------------------


def owner_cookie(tenant: Tenant) -> str:
    """The session cookie of the tenant's owner, second factor passed (as after sign-in)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    email = f"owner@{tenant.slug}.bench"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, "bench password 123")
        Membership.objects.create(tenant=tenant, user=user, role=Role.OWNER)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def inbox_load(port: int, headers: dict, clients: int, until: threading.Event) -> Tally:
    """``clients`` keep-alive clients loading the inbox page until ``until`` is set;
    2xx answers only (the first other one stops the run)."""
    import http.client

    tallies = [Tally() for _ in range(clients)]
    failed = threading.Event()

    def client(tally: Tally) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not until.is_set() and not failed.is_set():
            began = time.perf_counter()
            try:
                status, _ = get(port, INBOX, headers, conn)
            except OSError:
                status = 0
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if not tally.add(status, time.perf_counter() - began):
                failed.set()
        conn.close()

    threads = [threading.Thread(target=client, args=(t,)) for t in tallies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    if total.error_count:
        raise RuntimeError(f"{INBOX} answered {describe_errors(total.errors)}: no figure kept")
    return total


def erase_in_child(dsr: DataSubjectRequest) -> tuple[subprocess.Popen, float]:
    """Erases in another process, as the dsr worker would (at nice 10, as
    docker-compose.yml runs it), so the load generator and the erasure do not
    share this process's interpreter lock."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--erase-request", str(dsr.pk)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    line = child.stdout.readline()  # "erasing": set up, migrations checked
    if line.strip() != "erasing":
        child.wait()
        raise RuntimeError(f"the erasing process did not start ({line!r})")
    return child, time.perf_counter()


def erase_request_here(dsr_id: str) -> None:
    """The child's side: the executor with the work task's progress writes."""
    from privacy.dsr import services

    os.nice(10)  # as the dsr worker runs (docker-compose.yml)
    dsr = DataSubjectRequest.objects.dangerously_unscoped(reason="bench: the erasing child").get(
        pk=dsr_id
    )
    print("erasing", flush=True)
    started = time.perf_counter()
    erase_subject(dsr, dsr.contact, lambda p: services.dsr_progress(dsr_id=dsr.pk, percent=p))
    print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)


def _wait_then_set(child: subprocess.Popen, done: threading.Event) -> None:
    child.wait()
    done.set()


def settle() -> None:
    """Writes the seed's dirty pages out before the next phase, so neither pays for it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    time.sleep(1)


def erase_under_load(port, headers, clients, dsr, erasing: Tally, durations: list) -> float:
    """The inbox loaded while another process erases; the seconds it lasted."""
    done = threading.Event()
    child, started = erase_in_child(dsr)
    watcher = threading.Thread(target=_wait_then_set, args=(child, done))
    watcher.start()
    erasing.merge(inbox_load(port, headers, clients, done))
    watcher.join()
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"the erasing process failed ({child.returncode})")
    durations.append(json.loads(child.stdout.read().strip().splitlines()[-1])["seconds"])
    forget(dsr)
    return seconds


def quiet_load(port, headers, clients, seconds: float, idle: Tally) -> None:
    """The same load, as long, with nothing erased."""
    quiet = threading.Event()
    timer = threading.Timer(seconds, quiet.set)
    timer.start()
    idle.merge(inbox_load(port, headers, clients, quiet))
    timer.join()


def inbox_during_erasure(tenant: Tenant, *, messages: int, rounds: int, clients: int) -> dict:
    headers = {"Cookie": owner_cookie(tenant)}
    idle, erasing, durations = Tally(), Tally(), []
    with Gunicorn() as server:
        for _ in range(20):  # warm every worker: keys, templates, plans
            status, _ = get(server.port, INBOX, headers)
            if status != 200:
                raise RuntimeError(f"{INBOX} answered {status} to the owner's session")
        seconds = 0.0
        for number in range(rounds):
            victim = erased_subject(tenant, messages, 50 + number)
            settle()
            dsr = erasure_request(tenant, victim)
            # Erasure then idle, idle then erasure: neither phase always follows
            # the seeding (or anything else the machine does in turn).
            if number % 2 == 0:
                seconds = erase_under_load(server.port, headers, clients, dsr, erasing, durations)
                quiet_load(server.port, headers, clients, seconds, idle)
            else:
                quiet_load(server.port, headers, clients, seconds, idle)
                seconds = erase_under_load(server.port, headers, clients, dsr, erasing, durations)
    idle_p99 = percentile(sorted(idle.latencies), 0.99)
    erasing_p99 = percentile(sorted(erasing.latencies), 0.99)
    return {
        "clients": clients,
        "rounds": rounds,
        "erase_s": statistics.median(durations),
        "idle_count": len(idle.latencies),
        "erasing_count": len(erasing.latencies),
        "idle_p50": percentile(sorted(idle.latencies), 0.50),
        "erasing_p50": percentile(sorted(erasing.latencies), 0.50),
        "idle_p99": idle_p99,
        "erasing_p99": erasing_p99,
        "p99_ratio": erasing_p99 / idle_p99,
    }


# Report -----------------------------------------------------------------------------


def report(figures: dict, inbox: dict) -> None:
    n = figures["messages"]
    small, large = figures["small_tenant_messages"], figures["large_tenant_messages"]
    print(f"\nsubject with {n:,} messages (load average {os.getloadavg()[0]:.1f})")
    print("access package")
    print(f"  build, small tenant ({small:,} messages)   {figures['build_small_s'] * 1000:8.0f} ms")
    print(f"  build, large tenant ({large:,} messages) {figures['build_large_s'] * 1000:8.0f} ms")
    print(f"  ratio large / small               {figures['large_over_small']:.2f}   target <= 1.2")
    print(f"  raw server-side cursor read         {figures['raw_rows_per_s']:10,.0f} rows/s")
    print(f"  package build                       {figures['package_rows_per_s']:10,.0f} rows/s")
    print(f"  ratio package / raw               {figures['throughput_ratio']:.2f}   target >= 0.5")
    print(f"  peak Python memory of one build     {figures['peak_memory_bytes'] / 2**20:.1f} MiB")
    print("erasure")
    print(f"  erase, small tenant ({small:,} messages)   {figures['erase_small_s'] * 1000:8.0f} ms")
    print(f"  erase, large tenant ({large:,} messages) {figures['erase_large_s'] * 1000:8.0f} ms")
    ratio = figures["erase_large_over_small"]
    print(f"  ratio large / small               {ratio:.2f}   target <= 1.2")
    print(
        f"inbox page, large tenant, {inbox['clients']} keep-alive clients, gunicorn 2 x 8 threads, "
        f"{inbox['rounds']} erasures of {n:,} messages (median {inbox['erase_s']:.1f} s) "
        "in another process"
    )
    for phase in ("idle", "erasing"):
        p50, p99 = inbox[f"{phase}_p50"] * 1000, inbox[f"{phase}_p99"] * 1000
        print(
            f"  {phase:<8} {inbox[f'{phase}_count']:6,} pages   "
            f"p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"
        )
    print(f"  ratio p99 erasing / idle          {inbox['p99_ratio']:.2f}   target <= 1.5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10000, help="the subject's messages")
    parser.add_argument("--others", type=int, default=10000, help="others' messages, small tenant")
    parser.add_argument("--scale", type=int, default=20, help="large tenant / small tenant")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--inbox-rounds", type=int, default=5, help="erasures under inbox load")
    parser.add_argument("--clients", type=int, default=4, help="inbox clients")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--quick", action="store_true", help="small numbers: a smoke test")
    parser.add_argument("--erase-request", help=argparse.SUPPRESS)  # the erasing child
    args = parser.parse_args()
    if args.erase_request:
        erase_request_here(args.erase_request)
        return
    if args.quick:
        args.messages, args.others, args.scale = 200, 200, 3
        args.rounds, args.inbox_rounds, args.clients = 2, 2, 2
    elif connection.vendor != "postgresql":
        sys.exit("dsr_bench measures PostgreSQL: set DATABASE_URL=postgres://...")
    with tempfile.TemporaryDirectory() as storage:
        settings.PRIVACY_PACKAGE_DIR = Path(storage)
        figures = measure(
            messages=args.messages,
            others=args.others,
            scale=args.scale,
            rounds=args.rounds,
            reseed=args.reseed,
        )
    inbox = inbox_during_erasure(
        figures["large"][0],
        messages=args.messages,
        rounds=args.inbox_rounds,
        clients=args.clients,
    )
    report(figures, inbox)
    if args.quick:
        print("\n--quick: every step ran; with these numbers the figures mean nothing")


if __name__ == "__main__":
    main()
