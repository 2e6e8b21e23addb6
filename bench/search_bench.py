"""Search over encrypted data: query latency against volume, and what the index
costs an inbound message, each against its baseline in the same run.

    DATABASE_URL=postgres://... .venv/bin/python bench/search_bench.py \
        [--small 200000] [--large 2000000] [--queries 30] [--writes 300] [--rounds 5] \
        [--reseed] [--quick]

Two tenants are seeded once (slugs ``search-<messages>``) and reused when their
message and token counts match: ``--small`` and ``--large`` messages, 100 per
conversation and contact, every body encrypted under its contact's data key
(bench/_bulk_seed.py, COPY) and indexed with the tokens the application
computes (search.tokens, the tenant's own keys), written by COPY in message
order. Bodies are made of one of 50 topics (three words each, in 2 % of the
messages each) and 6 words drawn from a 5,000-word vocabulary with Zipf
frequencies (a realistic mix of common and rare words).

(a) Query latency: ``search.selectors.message_search`` as the API calls it, a
    first page of 25 with the messages loaded and decrypted: a one-word search
    (a word in about 2 % of the messages) and a three-word search (two words of
    a topic and a common vocabulary word: about 0.3 % of the messages hold all
    three), the topic changing turn by turn over all 50 (after an untimed turn
    each). The tenants are taken in turn, query by query, and the figures are
    medians; printed with the ratio large / small (target <= 1.5).
(b) Write cost: ``message_receive`` of a text into an existing conversation of
    the large tenant, each in its own committed transaction, with the index
    maintained (as in production) and with ``messages_index`` replaced by a
    no-op in this process (the baseline), rounds alternating; the cost is the
    median of each round's own (target <= 20 %). Its texts have as many words
    as the seeded ones and no topic word: the large tenant keeps them, and they
    never join a later run's search results.
"""

import argparse
import datetime as dt
import itertools
import os
import random
import statistics
import sys
import time

from _django import setup

setup()

from _bulk_seed import Encryptor, check_readable, data_keys, insert  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from conversations.models import Contact, Conversation, Message  # noqa: E402
from instaply.ids import uuid7  # noqa: E402
from search import text  # noqa: E402
from search.models import SearchDocument, SearchToken  # noqa: E402
from search.tokens import pack, tokens  # noqa: E402
from tenants.models import Membership, Role, Shop, Tenant, User  # noqa: E402

PER = 100  # messages per conversation (and contact)
CHUNK = 200  # conversations seeded per transaction
TOPICS = 50
VOCABULARY = 5000
RANDOM_WORDS = 6
SEED = 20261203

_encrypt = {
    "name": Encryptor(Contact, "name"),
    "preview": Encryptor(Conversation, "last_message_preview"),
    "body": Encryptor(Message, "body"),
}


def _word(n: int) -> str:
    """A made-up word per number, none of them a stop word: 'zz' + base-26 letters."""
    letters = ""
    while True:
        n, r = divmod(n, 26)
        letters += chr(97 + r)
        if n == 0:
            return "zz" + letters


WORDS = [_word(n) for n in range(VOCABULARY)]
TOPIC_WORDS = [(f"topic{t}a", f"topic{t}b", f"topic{t}c") for t in range(TOPICS)]
# Zipf weights (1/rank): the first words are in several % of messages, most are rare.
_CUMULATIVE = list(itertools.accumulate(1 / (rank + 1) for rank in range(VOCABULARY)))
# The queries rotate over every topic, turn by turn, both tenants taking the same
# query in a turn: one topic alone measures how its own draws of the seed fell
# (the newest 256 messages of a topic keep fewer than 26 with the common word for
# topics 13 and 23 in the small tenant, 3, 7 and 47 in the large: a second chunk
# for those; topic 7 alone was the three-word figure until 3 December).
QUERY_TOPICS = range(TOPICS)
ONE_WORD = "topic{t}a"  # in 2 % of the messages
THREE_WORDS = "topic{t}a topic{t}b " + WORDS[4]  # a topic and a common word


def body_of(rng: random.Random) -> str:
    topic = TOPIC_WORDS[rng.randrange(TOPICS)]
    picked = rng.choices(WORDS, cum_weights=_CUMULATIVE, k=RANDOM_WORDS)
    return " ".join([*topic, *picked]).capitalize() + "."


def written_body_of(rng: random.Random) -> str:
    """A text of the write cost (b): as many words as a seeded one, none of a topic,
    so the texts it adds to the large tenant never join the searches' results."""
    picked = rng.choices(WORDS, cum_weights=_CUMULATIVE, k=RANDOM_WORDS + 3)
    return " ".join(picked).capitalize() + "."


# Seeding ---------------------------------------------------------------------------


def seed(total: int, reseed: bool) -> Tenant:
    slug = f"search-{total}"
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is not None:
        found = Message.objects.for_tenant(tenant).count()
        documents = SearchDocument.objects.for_tenant(tenant).count()
        # The write cost (b) adds its texts to the large tenant: a seed holding at
        # most 1 % more than it was seeded with is reused as it is.
        if total <= documents <= found <= total * 1.01:
            return tenant
        if not reseed:
            sys.exit(f"{slug} holds {found:,} messages and {documents:,} documents: --reseed")
        drop_tenant(tenant)
    print(f"seeding {slug}: {total // PER:,} conversations, {total:,} messages", flush=True)
    started = time.monotonic()
    with transaction.atomic():
        tenant = Tenant.objects.create(name=slug, slug=slug)
        shop = Shop.objects.create(tenant=tenant, name=f"{slug} shop")
        user = User.objects.create_user(email=f"{slug}-{uuid7()}@bench.example", password=None)
        Membership.objects.create(tenant=tenant, user=user, role=Role.AGENT)
    tid = tenant.pk
    vocabulary = dict(zip(WORDS, tokens(tid, "word", WORDS), strict=True))
    for topic in TOPIC_WORDS:
        vocabulary |= dict(zip(topic, tokens(tid, "word", topic), strict=True))
    rng = random.Random(SEED + total)
    now = timezone.now()
    conversations_total = total // PER
    for start in range(0, conversations_total, CHUNK):
        _seed_chunk(tenant, shop, vocabulary, rng, now, start, conversations_total)
        done = min(start + CHUNK, conversations_total) * PER
        print(f"  {done:,} messages, {time.monotonic() - started:.0f} s", end="\r", flush=True)
    analyze()
    newest = Message.objects.for_tenant(tenant).order_by("-id")
    check_readable(newest, "body", lambda value: value.startswith("Topic"))
    print(f"\n  seeded in {time.monotonic() - started:.0f} s", flush=True)
    return tenant


def _seed_chunk(tenant, shop, vocabulary, rng, now, start, total) -> None:
    tid = tenant.pk
    ids = [uuid7() for _ in range(min(CHUNK, total - start))]
    ciphers = data_keys(tid, ids)
    contacts, conversations, messages, documents, postings = [], [], [], [], []
    for i, contact_id in enumerate(ids):
        n, cipher = start + i, ciphers[contact_id]
        # Older conversations first, so message ids (UUIDv7) follow their times.
        last = now - dt.timedelta(minutes=(total - n) * PER)
        contacts.append(
            {
                "id": contact_id,
                "tenant_id": tid,
                "name": _encrypt["name"](cipher, tid, contact_id, f"Customer {n}"),
                "created_at": last,
            }
        )
        conversation_id = uuid7()
        bodies = [body_of(rng) for _ in range(PER)]
        conversations.append(
            {
                "id": conversation_id,
                "tenant_id": tid,
                "shop_id": shop.pk,
                "contact_id": contact_id,
                "channel": "sms",
                "endpoint_id": shop.pk,
                "status": "open",
                "created_at": last,
                "last_activity_at": last + dt.timedelta(minutes=PER),
                "last_message_preview": _encrypt["preview"](
                    cipher, tid, conversation_id, bodies[-1][:80]
                ),
                "inbound_count": PER,
            }
        )
        for m, body in enumerate(bodies):
            message_id, at = uuid7(), last + dt.timedelta(minutes=m)
            messages.append(
                {
                    "id": message_id,
                    "tenant_id": tid,
                    "conversation_id": conversation_id,
                    "contact_id": contact_id,
                    "direction": "inbound",
                    "sender_kind": "contact",
                    "status": "received",
                    "body": _encrypt["body"](cipher, tid, message_id, body),
                    "created_at": at,
                    "status_changed_at": at,
                }
            )
            found = {vocabulary[w] for w in text.words(body)}
            documents.append(
                {
                    "id": message_id,
                    "tenant_id": tid,
                    "contact_id": contact_id,
                    "kind": "m",
                    "tokens": pack(found),
                }
            )
            postings += [{"tenant_id": tid, "token": t, "document_id": message_id} for t in found]
    with transaction.atomic():
        for model, rows in (
            (Contact, contacts),
            (Conversation, conversations),
            (Message, messages),
            (SearchDocument, documents),
            (SearchToken, postings),
        ):
            insert(model, rows)


def drop_tenant(tenant: Tenant) -> None:
    from privacy.models import DataKey, TenantKey

    with transaction.atomic():
        for model in (SearchToken, SearchDocument, Message, Conversation, Contact):
            model.objects.for_tenant(tenant).delete()
        for model in (DataKey, TenantKey):
            model.objects.for_tenant(tenant).delete()
        users = [m.user_id for m in Membership.objects.for_tenant(tenant)]
        Membership.objects.for_tenant(tenant).delete()
        Shop.objects.for_tenant(tenant).delete()
        tenant.delete()
        User.objects.filter(pk__in=users).delete()


def analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_searchtoken")
            cursor.execute("ANALYZE")


# (a) Query latency -----------------------------------------------------------------


def query_latency(tenants: dict, queries: int) -> dict:
    from search.selectors import message_search

    members = {
        name: Membership.objects.for_tenant(t).select_related("user", "tenant").first()
        for name, t in tenants.items()
    }
    samples = {(name, q): [] for name in tenants for q in ("one", "three")}
    found = {}
    warm = len(QUERY_TOPICS)  # an untimed turn per topic: keys, caches, plans
    for turn in range(warm + queries):
        order = list(tenants) if turn % 2 == 0 else list(reversed(tenants))
        topic = QUERY_TOPICS[turn % len(QUERY_TOPICS)]
        for name in order:
            for q, query in (("one", ONE_WORD), ("three", THREE_WORDS)):
                query = query.format(t=topic)
                started = time.perf_counter()
                page = message_search(member=members[name], query=query, limit=25)
                elapsed = time.perf_counter() - started
                found[(name, q)] = len(page.results)
                if turn >= warm:
                    samples[(name, q)].append(elapsed)
    return {key: statistics.median(values) for key, values in samples.items()} | {
        ("found", key): count for key, count in found.items()
    }


# (b) Write cost --------------------------------------------------------------------


def write_cost(tenant: Tenant, writes: int, rounds: int) -> dict:
    import conversations.services.messages as messages_service
    from conversations.services.messages import message_receive

    conversations = list(Conversation.objects.for_tenant(tenant).order_by("?")[:writes])
    rng = random.Random(SEED)
    indexed = messages_service.messages_index

    def one_round(with_index: bool) -> float:
        messages_service.messages_index = indexed if with_index else (lambda messages: None)
        try:
            started = time.perf_counter()
            for conversation in conversations:
                message_receive(conversation=conversation, body=written_body_of(rng))
            return (time.perf_counter() - started) / len(conversations)
        finally:
            messages_service.messages_index = indexed

    one_round(True)  # untimed: keys, caches, plans
    pairs = []
    for n in range(rounds):
        first = n % 2 == 0  # A/B, then B/A
        a = one_round(not first)
        b = one_round(first)
        baseline, measured = (a, b) if first else (b, a)
        pairs.append((baseline, measured))
    costs = [measured / baseline - 1 for baseline, measured in pairs]
    return {
        "baseline": statistics.median(b for b, _ in pairs),
        "measured": statistics.median(m for _, m in pairs),
        "cost": statistics.median(costs),
        "cost_min": min(costs),
        "cost_max": max(costs),
    }


# Report ----------------------------------------------------------------------------


def report(args, latency: dict, writes: dict) -> None:
    print(
        f"\nquery latency, first page of 25 (messages loaded and decrypted), median of "
        f"{args.queries} (load average {os.getloadavg()[0]:.1f})"
    )
    topics = f"topics {QUERY_TOPICS[0]} to {QUERY_TOPICS[-1]}, in turn"
    for q, query in (("one", ONE_WORD), ("three", THREE_WORDS)):
        query = f"{query.format(t='N')} ({topics})"
        small, large = latency[("small", q)], latency[("large", q)]
        print(f"  {q}-word search ({query!r})")
        for name, total in (("small", args.small), ("large", args.large)):
            print(
                f"    {name:<5} ({total:>9,} messages)  {latency[(name, q)] * 1000:7.2f} ms"
                f"   {latency[('found', (name, q))]} results"
            )
        print(f"    ratio large / small            {large / small:.2f}   target <= 1.5")
    print(
        f"inbound message written (message_receive, committed), large tenant, "
        f"{args.writes} texts a round, median of {args.rounds} rounds"
    )
    print(f"  without the index  {writes['baseline'] * 1000:7.2f} ms")
    print(f"  with the index     {writes['measured'] * 1000:7.2f} ms")
    print(
        f"  cost               {writes['cost'] * 100:+6.1f} %   "
        f"(rounds {writes['cost_min'] * 100:+.1f} to {writes['cost_max'] * 100:+.1f} %)"
        "   target <= 20 %"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200_000, help="messages of the small tenant")
    parser.add_argument("--large", type=int, default=2_000_000, help="messages of the large one")
    parser.add_argument("--queries", type=int, default=30, help="timed queries of each kind")
    parser.add_argument("--writes", type=int, default=300, help="texts written per round")
    parser.add_argument("--rounds", type=int, default=5, help="write rounds of each kind")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--quick", action="store_true", help="small numbers: a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.small, args.large, args.queries, args.writes, args.rounds = 2000, 6000, 5, 30, 2
    elif connection.vendor != "postgresql":
        sys.exit("search_bench measures PostgreSQL: set DATABASE_URL=postgres://...")
    tenants = {
        "small": seed(args.small, args.reseed),
        "large": seed(args.large, args.reseed),
    }
    latency = query_latency(tenants, args.queries)
    writes = write_cost(tenants["large"], args.writes, args.rounds)
    report(args, latency, writes)
    if args.quick:
        print("\n--quick: every step ran; with these numbers the figures mean nothing")


if __name__ == "__main__":
    main()
