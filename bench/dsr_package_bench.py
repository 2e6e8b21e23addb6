"""Access packages: build time against the tenant's size, throughput against a raw read.

    .venv/bin/python bench/dsr_package_bench.py [--messages 10000] [--others 10000]
        [--scale 20] [--rounds 5] [--reseed]

Two tenants hold the same subject (``--messages`` messages, one conversation),
the small one beside ``--others`` messages of other contacts (1,000 each), the large one
beside ``scale`` times as many messages in all. Figures, PostgreSQL only:

* the time to build the subject's access package in each tenant, and their
  ratio (target at most 1.2: the cost follows the subject, not the tenant);
* the package's throughput (the subject's messages per second of the whole
  build: every file, decryption, JSON, deflate, fsync) against a raw read of the
  same message rows through a server-side cursor (no model, no decryption),
  target at least 0.5;
* the peak Python memory of one build (tracemalloc, a separate run: tracing
  slows it).

Rounds alternate raw read and build, each figure is a median. Tenants are seeded
once (slugs ``dsr-package-small`` / ``-large``) and reused when their counts
match; ``--reseed`` deletes and seeds one of the wrong size. Each round's request
and package are deleted after it; ``bench/dsr_bench.py`` calls ``measure``.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from _django import setup

setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from conversations.models import Contact, Conversation, Message  # noqa: E402
from privacy.dsr.models import DataSubjectRequest  # noqa: E402
from privacy.dsr.package import CHUNK, build_access_package  # noqa: E402
from privacy.dsr.tests.package_support import access_request, add_messages, subject  # noqa: E402
from tenants.models import Shop, Tenant  # noqa: E402

SUBJECT_PHONE = "+33600000001"
PER_OTHER = 1000
RAW_COLUMNS = (
    "id",
    "conversation_id",
    "direction",
    "sender_kind",
    "status",
    "failure_code",
    "created_at",
    "status_changed_at",
    "body",
)


def _body(i: int) -> str:
    return f"Message {i}: is the order for Saturday ready? I can come after 6pm. " * 2


def seed(slug: str, *, messages: int, others: int, reseed: bool) -> tuple[Tenant, Contact]:
    """The tenant and its subject: reused when complete, else refused or seeded anew."""
    tenant = Tenant.objects.filter(slug=slug).first()
    expected = messages + others
    if tenant is not None:
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
    for n in range(others // PER_OTHER):
        _, other = subject(tenant, shop, name=f"Other {n}", phone=f"+3361{n:08d}")
        add_messages(other, PER_OTHER, body=_body)
        if n % 50 == 0:
            print(f"  {n * PER_OTHER:,} messages of others", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    return tenant, contact


def _subject_of(tenant: Tenant) -> Contact | None:
    for contact in Contact.objects.for_tenant(tenant).order_by("created_at", "id")[:1]:
        return contact if contact.phone == SUBJECT_PHONE else None
    return None


def drop_tenant(tenant: Tenant) -> None:
    """Deletes a bench tenant and what it holds (keys last: the data keys protect them)."""
    from privacy.models import DataKey, TenantKey

    with transaction.atomic():
        DataSubjectRequest.objects.for_tenant(tenant).delete()
        for model in (Message, Conversation, Contact, Shop, DataKey, TenantKey):
            model.objects.for_tenant(tenant).delete()
        tenant.delete()


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
        cursor.execute(sql, [contact.tenant_id, contact.pk])
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


def peak_memory(tenant: Tenant, contact: Contact) -> int:
    tracemalloc.start()
    try:
        build_once(tenant, contact)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(*, messages=10000, others=10000, scale=20, rounds=5, reseed=False) -> dict:
    """Seeds (or reuses) both tenants, runs the rounds, returns the figures."""
    if connection.vendor != "postgresql":
        sys.exit("dsr_package_bench measures PostgreSQL: set DATABASE_URL=postgres://...")
    small = seed("dsr-package-small", messages=messages, others=others, reseed=reseed)
    large_others = (messages + others) * scale - messages
    large = seed("dsr-package-large", messages=messages, others=large_others, reseed=reseed)
    with tempfile.TemporaryDirectory() as storage:
        settings.PRIVACY_PACKAGE_DIR = Path(storage)
        build_once(*small)  # warm: keys, caches, plans
        samples = {"raw_small": [], "small": [], "large": []}
        for _ in range(rounds):
            elapsed, rows = raw_read(small[1])
            assert rows == messages, rows
            samples["raw_small"].append(elapsed)
            samples["small"].append(build_once(*small)[0])
            samples["large"].append(build_once(*large)[0])
        peak = peak_memory(*large)
    median = {name: statistics.median(values) for name, values in samples.items()}
    raw_rate, package_rate = messages / median["raw_small"], messages / median["small"]
    return {
        "messages": messages,
        "small_tenant_messages": messages + others,
        "large_tenant_messages": messages + large_others,
        "build_small_s": median["small"],
        "build_large_s": median["large"],
        "large_over_small": median["large"] / median["small"],
        "raw_rows_per_s": raw_rate,
        "package_rows_per_s": package_rate,
        "throughput_ratio": package_rate / raw_rate,
        "peak_memory_bytes": peak,
    }


def report(figures: dict) -> None:
    print(
        f"access package of a subject with {figures['messages']:,} messages "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"  build, small tenant ({figures['small_tenant_messages']:,} messages)"
        f"   {figures['build_small_s'] * 1000:8.0f} ms"
    )
    print(
        f"  build, large tenant ({figures['large_tenant_messages']:,} messages)"
        f" {figures['build_large_s'] * 1000:8.0f} ms"
    )
    print(f"  ratio large / small               {figures['large_over_small']:.2f}   target <= 1.2")
    print(f"  raw server-side cursor read         {figures['raw_rows_per_s']:10,.0f} rows/s")
    print(f"  package build                       {figures['package_rows_per_s']:10,.0f} rows/s")
    print(f"  ratio package / raw               {figures['throughput_ratio']:.2f}   target >= 0.5")
    print(f"  peak Python memory of one build     {figures['peak_memory_bytes'] / 2**20:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10000, help="the subject's messages")
    parser.add_argument("--others", type=int, default=10000, help="others' messages, small tenant")
    parser.add_argument("--scale", type=int, default=20, help="large tenant / small tenant")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    report(
        measure(
            messages=args.messages,
            others=args.others,
            scale=args.scale,
            rounds=args.rounds,
            reseed=args.reseed,
        )
    )


if __name__ == "__main__":
    main()
