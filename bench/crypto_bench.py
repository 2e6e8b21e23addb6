"""Encrypted fields against raw AES-256-GCM: pages of rows decrypted, and values encrypted.

    .venv/bin/python bench/crypto_bench.py [--pages 200] [--page-size 50]
        [--values 20000] [--contacts 5000] [--rounds 5]

Headline: **decrypting a page of rows**. ``--pages`` pages of ``--page-size``
message rows (160-byte bodies) are inserted in the database twice: each row of
a page under another contact's data key (``--contacts`` contacts, as an inbox
page's previews are: the hardest case, a key looked up per row), and each page
one contact's messages (a thread page: one key for the page); then fetched
back through the ORM as a thread page is
(``Message.objects.for_tenant(...).filter(conversation=...)``). Timed, from the
fetched rows to their plaintexts, reading every row's body through the field's
real path (``privacy/pages.py``: the page's keys found once, the tenant's part of
the associated data built once), against raw AES-256-GCM decryption of the same
stored values with keys and associated data in hand, two ways: each value
sliced into nonce and ciphertext in the loop (what any reader of the stored
bytes does), and the ``AESGCM.decrypt`` calls alone (values cut beforehand).
Target: at least 0.5 of raw. Also printed: the same pages read one value at a
time (their rows stripped of their page: the path before pages), the page
bookkeeping the query's evaluation adds, and the key cache miss (the cache
emptied before each page: the page's keys load in one query, not one per value).

The kinds are taken page by page in turn, the order rotating, and each page
keeps its median over the rounds (summed over the pages), so a neighbour's burst
hits them alike and a preempted page counts little: on a shared machine,
compare the ratios.

Second figure: encrypt + decrypt of distinct unsaved rows, each value on its
own (``pre_save`` then a read), with keys cached, against raw encrypt + decrypt,
alternating rounds, medians.

Nothing is committed (the rows are inserted in a transaction rolled back at the
end). Runs on PostgreSQL and on the embedded default. The audit cost of a read
is measured over HTTP by bench/audit_bench.py.
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
from instaply import rls  # noqa: E402
from instaply.ids import uuid7  # noqa: E402
from privacy import keyring, pages  # noqa: E402
from tenants.tests.factories import TenantFactory  # noqa: E402

BODY = ("Bonjour, ma commande 4711 est-elle prête ? Je passe vers 18h. " * 3)[:160]
FIELD = Message._meta.get_field("body")


# Pages of rows, decrypted ------------------------------------------------------


def seed_pages(tenant_id, contacts: list, pages_n: int, size: int, *, spread: bool) -> list:
    """``pages_n`` conversations of ``size`` messages, each message under the next
    contact's key; returns the conversation ids. The foreign keys point at no row:
    the transaction is rolled back before its deferred constraints are checked."""
    conversation_ids = [uuid7() for _ in range(pages_n)]
    rows, n = [], 0
    for conversation_id in conversation_ids:
        for _ in range(size):
            message = Message(
                id=uuid7(),
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                # Spread: each row under the next contact's key (an inbox page's
                # previews). Otherwise the page's contact (a thread: one customer).
                contact_id=contacts[(n if spread else n // size) % len(contacts)],
                direction=Message.Direction.INBOUND,
                sender_kind=Message.SenderKind.CONTACT,
                status=Message.Status.RECEIVED,
            )
            message.body = BODY
            rows.append(message)
            n += 1
    Message.objects.bulk_create(rows, batch_size=1000)
    return conversation_ids


def fetch(tenant_id, conversation_ids: list) -> list[list[Message]]:
    """Each page as a thread page loads it: one query, rows newest first."""
    return [
        list(Message.objects.for_tenant(tenant_id).filter(conversation_id=c).order_by("-id"))
        for c in conversation_ids
    ]


def field_pages(fetched: list[list[Message]]) -> tuple[float, int]:
    """Seconds to read every body of the fetched pages through the field."""
    elapsed = 0.0
    for page in fetched:
        elapsed += _field_page(page)
    return elapsed, sum(map(len, fetched))


def _field_page(page: list[Message]) -> float:
    start = time.perf_counter()
    for message in page:
        message.body  # noqa: B018
    elapsed = time.perf_counter() - start
    assert all(m.body == BODY for m in page)
    return elapsed


def _raw_work(page: list[Message]) -> tuple[list, list]:
    """The page's stored values with their keys and associated data in hand: as
    stored, and with nonce and ciphertext already cut out."""
    stored, cut = [], []
    for message in page:
        blob = message.__dict__["body"]
        decrypt = keyring.cached_cipher(message.contact_id).decrypt
        context = FIELD.context(message)
        stored.append((decrypt, blob, context))
        cut.append((decrypt, blob[3:15], blob[15:], blob[:3] + context))
    return stored, cut


def _raw_stored(stored: list) -> float:
    """Each value sliced into its nonce and ciphertext, as any reader of the
    stored bytes must, then decrypted."""
    start = time.perf_counter()
    for decrypt, blob, context in stored:
        decrypt(blob[3:15], blob[15:], blob[:3] + context)
    return time.perf_counter() - start


def _raw_cut(cut: list) -> float:
    """The ``AESGCM.decrypt`` calls alone."""
    start = time.perf_counter()
    for decrypt, nonce, data, aad in cut:
        decrypt(nonce, data, aad)
    return time.perf_counter() - start


def page_round(fetched: list[list[Message]], alone: list[list[Message]], turn: int) -> list:
    """Seconds [field, raw as stored, raw cut, field one value at a time, page
    bookkeeping] for each page, taken page by page in turn (the order rotating),
    so a neighbour's burst hits them alike. ``alone`` holds the same pages
    fetched again, stripped of their page: each value opens on its own, as every
    value did before pages."""
    times = []
    for k, page in enumerate(fetched):
        stored, cut = _raw_work(page)
        for row in alone[k]:
            del row.__dict__[pages.PAGE_KEY]
        runs = (
            (_field_page, page), (_raw_stored, stored), (_raw_cut, cut), (_field_page, alone[k]),
            (_gather, page),
        )  # fmt: skip
        taken = [0.0] * len(runs)
        for step in range(len(runs)):
            which = (k + turn + step) % len(runs)
            run, work = runs[which]
            taken[which] = run(work)
        times.append(taken)
    return times


def page_medians(rounds: list) -> list[float]:
    """Seconds per kind for all the pages: each page's median over the rounds,
    summed (a round preempted on a page counts little)."""
    pages_n, kinds = len(rounds[0]), len(rounds[0][0])
    return [
        sum(statistics.median(r[k][which] for r in rounds) for k in range(pages_n))
        for which in range(kinds)
    ]


def _gather(page: list[Message]) -> float:
    """The page bookkeeping the query's evaluation does (again, on the same rows)."""
    start = time.perf_counter()
    pages.gather(page, related=False)
    return time.perf_counter() - start


def page_miss(tenant_id, conversation_ids: list) -> tuple[float, int, int]:
    """Pages read with the key cache emptied before each: (seconds, values, queries
    spent reading, the page's own query not counted)."""
    elapsed, values, queries = 0.0, 0, 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    for conversation_id in conversation_ids:
        (page,) = fetch(tenant_id, [conversation_id])
        keyring.cache.clear()
        with connection.execute_wrapper(count):
            seconds, n = field_pages([page])
        elapsed += seconds
        values += n
    return elapsed, values, queries


# Values encrypted one by one ------------------------------------------------------


def raw_aes_gcm(n: int) -> float:
    cipher = AESGCM(os.urandom(32))
    data, aad = BODY.encode(), b"tenant|conversations.message|body|row"
    start = time.perf_counter()
    for _ in range(n):
        nonce = os.urandom(12)
        assert cipher.decrypt(nonce, cipher.encrypt(nonce, data, aad), aad) == data
    return n / (time.perf_counter() - start)


def encrypt_one_by_one(tenant_id, contacts: list, n: int) -> float:
    """``n`` distinct unsaved rows over the contacts: each body encrypted by
    ``pre_save`` then read back, as a row loaded from the database."""
    conversation_id = uuid7()
    rows = [
        Message(
            id=uuid7(),
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            contact_id=contacts[i % len(contacts)],
        )
        for i in range(n)
    ]
    start = time.perf_counter()
    for message in rows:
        message.body = BODY
        message.body = FIELD.pre_save(message, add=True)
        assert message.body == BODY
    return n / (time.perf_counter() - start)


def print_pages(args, label: str, times: list) -> None:
    values = args.pages * args.page_size
    field_s, raw_s, cut_s, alone_s, book_s = page_medians(times)
    raw_m, cut_m, field_m = values / raw_s, values / cut_s, values / field_s
    alone_m = values / alone_s
    booked_m = values / (field_s + book_s)
    print(
        f"decrypting pages of {args.page_size} message rows (160-byte bodies, {label}), "
        f"from the fetched rows to the plaintexts, {args.pages} pages, each page's median "
        f"of {args.rounds} rounds"
    )
    print("  raw AES-256-GCM decrypt, keys and associated data in hand:")
    print(f"    each stored value sliced into nonce and ciphertext {raw_m:>10,.0f} values/s")
    print(f"    the decrypt calls alone, values cut beforehand     {cut_m:>10,.0f} values/s")
    print(
        f"  encrypted field, page path, keys cached  {field_m:>10,.0f} values/s   "
        f"ratio {field_m / raw_m:.2f} of the first, {field_m / cut_m:.2f} of the second   "
        f"(target >= 0.5)"
    )
    print(
        f"    one value at a time (no page)          {alone_m:>10,.0f} values/s   "
        f"ratio {alone_m / raw_m:.2f} of the first, {alone_m / cut_m:.2f} of the second"
    )
    print(
        f"    with the page bookkeeping of the query {booked_m:>10,.0f} values/s   "
        f"ratio {booked_m / raw_m:.2f}   "
        f"({(1 / booked_m - 1 / field_m) * 1e6:.2f} µs per row when the query is evaluated)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200, help="pages per round")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--values", type=int, default=20000, help="values per round (encrypt)")
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.contacts > keyring.cache.max_entries:
        parser.error("--contacts must fit the key cache (ENCRYPTION_KEY_CACHE_SIZE)")

    kinds = {"spread": "each row of a page under another contact's key",
             "thread": "each page one contact's messages, as a thread"}  # fmt: skip
    page_times, raw_enc, enc = {kind: [] for kind in kinds}, [], []
    with transaction.atomic(), rls.unit_of_work():
        tenant_id = TenantFactory(name=f"bench {uuid7()}").pk
        rls.adopt(tenant_id)  # as a request acting for its tenant
        print(f"creating {args.contacts:,} contacts' data keys", flush=True)
        contacts = [uuid7() for _ in range(args.contacts)]
        for contact_id in contacts:
            keyring.data_key_create(tenant_id=tenant_id, subject_id=contact_id)
        keyring.warm(tenant_id, contacts)
        print(f"inserting 2 x {args.pages:,} pages of {args.page_size} messages", flush=True)
        conversations = {
            kind: seed_pages(
                tenant_id, contacts, args.pages, args.page_size, spread=kind == "spread"
            )
            for kind in kinds
        }
        field_pages(fetch(tenant_id, conversations["spread"][:10]))  # warm-up
        encrypt_one_by_one(tenant_id, contacts, args.values // 10)
        for i in range(args.rounds):
            # Keys expire (ENCRYPTION_KEY_CACHE_SECONDS): a slow run's are loaded again.
            keyring.warm(tenant_id, contacts)
            for kind, conversation_ids in conversations.items():
                fetched = fetch(tenant_id, conversation_ids)
                alone = fetch(tenant_id, conversation_ids)
                page_times[kind].append(page_round(fetched, alone, i))
            raw_enc.append(raw_aes_gcm(args.values))
            enc.append(encrypt_one_by_one(tenant_id, contacts, args.values))
        miss_pages = conversations["spread"][: max(1, args.pages // 4)]
        miss_seconds, miss_values, miss_queries = page_miss(tenant_id, miss_pages)
        transaction.set_rollback(True)
    keyring.cache.clear()

    print(f"\n{connection.vendor}; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for kind, label in kinds.items():
        print_pages(args, label, page_times[kind])
    miss_rate = miss_values / miss_seconds
    print(
        f"  key cache empty (spread pages)           {miss_rate:>10,.0f} values/s   "
        f"({miss_queries / len(miss_pages):.2f} queries per page of {args.page_size} for the "
        f"keys; {len(miss_pages)} pages)"
    )
    raw_e, enc_e = statistics.median(raw_enc), statistics.median(enc)
    print("\nencrypt + decrypt of distinct unsaved rows, one value at a time, keys cached")
    print(f"  raw AES-256-GCM, key in hand             {raw_e:>10,.0f} values/s")
    print(
        f"  encrypted field (pre_save, then a read)  {enc_e:>10,.0f} values/s   "
        f"ratio {enc_e / raw_e:.2f}"
    )


if __name__ == "__main__":
    main()
