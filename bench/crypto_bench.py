"""Encrypted fields against raw AES-256-GCM, with the contact's key cached and not.

    .venv/bin/python bench/crypto_bench.py [--values 20000] [--contacts 5000]
        [--miss-cache-size 1000] [--rounds 5]

Encrypt + decrypt of 160-byte message bodies through the encrypted field, each
value a distinct message row, the rows spread over ``--contacts`` contacts (each
with its own data key, as in production), as a ratio of raw AES-256-GCM with the
key in hand. Two figures:

* key cache hit: every contact's key is in the process's key cache (the common
  case: a page's keys are loaded once). Target: at least 0.5 of raw.
* key cache miss: the contacts outnumber the cache, so every value first loads
  its contact's data key (one query) and unwraps it (AES-GCM with the tenant
  key). The bench shrinks this process's cache to ``--miss-cache-size`` entries
  so a few thousand contacts do it; ``--contacts 25000 --miss-cache-size 20000``
  reproduces the production cache size (ENCRYPTION_KEY_CACHE_SIZE).

The rounds alternate raw, hit and miss, and each figure keeps its median, so a
busy machine slows them alike. Nothing is committed.

The audit cost of a read is measured over HTTP by bench/audit_bench.py.
"""

import argparse
import os
import statistics
import time

from _django import setup

setup()

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from conversations.models import Message  # noqa: E402
from instaply.ids import uuid7  # noqa: E402
from privacy import keyring  # noqa: E402
from tenants.tests.factories import TenantFactory  # noqa: E402

BODY = ("Bonjour, ma commande 4711 est-elle prête ? Je passe vers 18h. " * 3)[:160]
FIELD = Message._meta.get_field("body")


def raw_aes_gcm(n: int) -> float:
    cipher = AESGCM(os.urandom(32))
    data, aad = BODY.encode(), b"tenant|conversations.message|body|row"
    start = time.perf_counter()
    for _ in range(n):
        nonce = os.urandom(12)
        assert cipher.decrypt(nonce, cipher.encrypt(nonce, data, aad), aad) == data
    return n / (time.perf_counter() - start)


def new_rows(tenant_id, contacts: list, n: int) -> list[Message]:
    """``n`` distinct, unsaved message rows, round-robin over the contacts."""
    conversation_id = uuid7()
    return [
        Message(
            id=uuid7(),
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            contact_id=contacts[i % len(contacts)],
        )
        for i in range(n)
    ]


def field_path(rows: list[Message]) -> float:
    start = time.perf_counter()
    for message in rows:
        message.body = BODY
        message.body = FIELD.pre_save(message, add=True)  # as a row loaded from the database
        assert message.body == BODY
    return len(rows) / (time.perf_counter() - start)


def cache_hit(tenant_id, contacts: list, n: int, cache_size: int) -> float:
    keyring.cache.max_entries = cache_size
    keyring.warm(tenant_id, contacts)
    rows = new_rows(tenant_id, contacts, n)
    return field_path(rows)


def cache_miss(tenant_id, contacts: list, n: int, cache_size: int) -> tuple[float, int]:
    """Cycling over more contacts than the cache holds: every value loads its key."""
    keyring.cache.clear()
    keyring.cache.max_entries = cache_size
    rows = new_rows(tenant_id, contacts, n)
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        rate = field_path(rows)
    return rate, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=20000, help="values per round (hit)")
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--miss-cache-size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.miss_cache_size >= args.contacts:
        parser.error("--miss-cache-size must be smaller than --contacts for keys to miss")
    production_cache = keyring.cache.max_entries
    miss_values = max(args.contacts, args.values // 4)  # a miss costs a query: fewer values

    raw, hit, miss = [], [], []
    with transaction.atomic():
        tenant_id = TenantFactory(name=f"bench {uuid7()}").pk
        print(f"creating {args.contacts:,} contacts' data keys", flush=True)
        contacts = [uuid7() for _ in range(args.contacts)]
        for contact_id in contacts:
            keyring.data_key_create(tenant_id=tenant_id, subject_id=contact_id)
        hit_contacts = contacts[: min(args.contacts, production_cache)]
        raw_aes_gcm(args.values // 10)  # warm-up
        cache_hit(tenant_id, hit_contacts, args.values // 10, production_cache)
        for _ in range(args.rounds):
            raw.append(raw_aes_gcm(args.values))
            hit.append(cache_hit(tenant_id, hit_contacts, args.values, production_cache))
            rate, queries = cache_miss(tenant_id, contacts, miss_values, args.miss_cache_size)
            miss.append(rate)
        transaction.set_rollback(True)
    keyring.cache.max_entries = production_cache
    keyring.cache.clear()

    raw_m, hit_m, miss_m = (statistics.median(x) for x in (raw, hit, miss))
    print(
        f"\nencryption of 160-byte bodies, encrypt + decrypt per value, each value a distinct "
        f"row (median of {args.rounds} alternating rounds)"
    )
    print(f"  raw AES-256-GCM, key in hand           {raw_m:>10,.0f} values/s")
    print(
        f"  encrypted field, key cache hit         {hit_m:>10,.0f} values/s   "
        f"ratio {hit_m / raw_m:.2f}   (target >= 0.5; {len(hit_contacts):,} contacts)"
    )
    print(
        f"  encrypted field, key cache miss        {miss_m:>10,.0f} values/s   "
        f"ratio {miss_m / raw_m:.2f}   ({args.contacts:,} contacts cycling through a "
        f"{args.miss_cache_size:,}-key cache; {queries / miss_values:.2f} queries per value; "
        f"{(1 / miss_m - 1 / hit_m) * 1e6:,.0f} µs per key load)"
    )


if __name__ == "__main__":
    main()
