"""Searches: the AND of a query's tokens, newest document first, a keyset page
at a time, limited to what the caller may read.

How a page is found, whatever the tenant's size:

1. The query's tokens (search/text.py, search/tokens.py). One token: its
   documents are one range of the primary key (tenant, token, document), read
   newest first and stopped at the page's size.
2. Several: each token's documents are counted up to ``COUNT_CAP`` (a bounded
   range each), and the rarest drives: its documents are read newest first a
   chunk at a time, and each chunk is kept where every other token has the same
   document (one bounded range of the other token between the chunk's oldest
   and newest documents, or a probe of the primary key per document when that
   token is too common for the range: ``_documents_having``).
3. The chunk's documents are loaded through the owner's scoped query (the
   caller's tenant; erased contacts left out) and the page fills up.

A page examines at most ``SCAN_BUDGET`` documents of the driving token: a
search whose words rarely meet answers with fewer results and a cursor to
continue from where it stopped, instead of reading every document of its
commonest word (the cost stays that of a page, not of the tenant's history).
"""

import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from conversations.models import Contact, Message
from instaply.api import cursors
from instaply.errors import Invalid
from search import text
from search.models import SearchToken
from search.tokens import tokens
from tenants.models import Membership
from tenants.permissions import Capability

COUNT_CAP = 1_000
CHUNK = 256
# A chunk that kept too few documents is followed by a larger one, sized by the
# share it kept, up to this many times CHUNK (the range reads stay bounded).
CHUNK_GROWTH = 16
# A range read of another token stays within this many rows per candidate document.
RANGE_FACTOR = 8
SCAN_BUDGET = 20_000
MAX_QUERY = 200
MAX_TERMS = 8


@dataclass
class Page:
    results: list
    next_cursor: str | None
    terms: int  # how many tokens the query had (audited, never the tokens)
    complete: bool = True  # False: the scan budget ran out before the page filled


def message_search(
    *, member: Membership, query: str, cursor: str | None = None, limit: int = 25
) -> Page:
    """Messages of the member's tenant holding every word of ``query``, newest first."""
    found = _forms(text.words(_query(query)))
    if not found:
        message = _(
            "Search for at least one word of two letters or more that is not a common word."
        )
        raise Invalid(message, fields={"q": [message]})
    query_tokens = tokens(member.tenant_id, "word", found)

    def load(ids):
        # The owner's scoped query: the member's tenant, a contact not being erased.
        return (
            Message.objects.for_tenant(member.tenant_id)
            .filter(pk__in=ids, contact__erased_at__isnull=True)
            .select_related("conversation", "contact")
        )

    return _search(member, query_tokens, load, cursor, limit)


def contact_search(
    *, member: Membership, query: str, cursor: str | None = None, limit: int = 25
) -> Page:
    """Contacts whose name starts with each term, or with this email or phone number."""
    forms = text.contact_query_forms(_query(query))[:MAX_TERMS]
    if not forms:
        message = _("Type part of a name, an email or a phone number.")
        raise Invalid(message, fields={"q": [message]})
    query_tokens = []
    for domain, form in forms:
        query_tokens += tokens(member.tenant_id, domain, [form])

    def load(ids):
        return Contact.objects.for_tenant(member.tenant_id).filter(
            pk__in=ids, erased_at__isnull=True
        )

    return _search(member, query_tokens, load, cursor, limit)


def _query(query) -> str:
    if not isinstance(query, str) or not query.strip():
        message = _("Type something to search for.")
        raise Invalid(message, fields={"q": [message]})
    if len(query) > MAX_QUERY:
        message = _("A search is at most %(count)d characters.") % {"count": MAX_QUERY}
        raise Invalid(message, fields={"q": [message]})
    return query


def _forms(words: set) -> list:
    return sorted(words)[:MAX_TERMS]


def _search(member: Membership, query_tokens: list, load, cursor, limit) -> Page:
    query_tokens = list(dict.fromkeys(query_tokens))
    before = cursors.decode(cursor, uuid.UUID)[0] if cursor else None
    if not member.can(Capability.CONVERSATIONS_READ):
        # The views refuse earlier; a caller that forgot gets nothing, not everything.
        return Page([], None, len(query_tokens))
    tenant_id = member.tenant_id
    tokens_in = SearchToken.objects.for_tenant(tenant_id)
    if len(query_tokens) == 1:
        driver, others, chunk = query_tokens[0], [], limit + 1
    else:
        # Index: the primary key (tenant, token, document), a bounded range per token.
        counts = {t: tokens_in.filter(token=t)[:COUNT_CAP].count() for t in query_tokens}
        if not all(counts.values()):
            return Page([], None, len(query_tokens))
        driver, *others = sorted(query_tokens, key=counts.__getitem__)
        chunk = CHUNK
    results, scanned = [], 0
    while True:
        # Index: the primary key, read backwards from the cursor (newest first).
        page = tokens_in.filter(token=driver)
        if before is not None:
            page = page.filter(document_id__lt=before)
        ids = list(page.order_by("-document_id").values_list("document_id", flat=True)[:chunk])
        scanned += len(ids)
        matched = ids
        for other in others:
            if not matched:
                break
            having = _documents_having(tokens_in, other, matched)
            matched = [i for i in matched if i in having]
        if matched:
            rows = {row.pk: row for row in load(matched)}
            results += [rows[i] for i in matched if i in rows]
        if len(results) > limit:
            results = results[:limit]
            return Page(results, cursors.encode(results[-1].pk), len(query_tokens))
        if len(ids) < chunk:
            return Page(results, None, len(query_tokens))
        before = ids[-1]
        if others:
            chunk = _next_chunk(chunk, len(ids), len(matched), limit + 1 - len(results))
        if scanned >= SCAN_BUDGET:
            # The budget ran out: what was found, and where to go on from.
            return Page(results, cursors.encode(before), len(query_tokens), complete=False)


def _next_chunk(chunk: int, read: int, kept: int, needed: int) -> int:
    """How many of the driving token's documents to read next: enough for the
    documents still needed at the share the last chunk kept, with a margin (twice
    the chunk when it kept none), so words that rarely meet cost a few chunks
    rather than one per CHUNK documents; never smaller, and at most
    ``CHUNK_GROWTH`` times CHUNK."""
    wanted = chunk * 2 if kept == 0 else -(-needed * read * 5 // (kept * 4))
    return max(chunk, min(wanted, CHUNK * CHUNK_GROWTH))


def _documents_having(tokens_in, token, documents: list) -> set:
    """Which of ``documents`` (newest first) hold ``token``. First one bounded read
    of the token's range between the oldest and newest of them: contiguous leaf
    pages of the primary key, whose length follows how often the words meet, not
    the tenant's size (a probe per document lands on pages scattered over the
    whole index, which a large tenant's no longer keeps in memory: 2.0 times
    slower at 2,000,000 messages than at 200,000). A token too common for the
    range to end within RANGE_FACTOR rows per document is probed document by
    document instead."""
    bound = RANGE_FACTOR * len(documents)
    # Index: the primary key, one range (tenant, token, document between).
    found = list(
        tokens_in.filter(
            token=token, document_id__gte=documents[-1], document_id__lte=documents[0]
        ).values_list("document_id", flat=True)[: bound + 1]
    )
    if len(found) <= bound:
        return set(found)
    # Index: the primary key, one probe per document.
    return set(
        tokens_in.filter(token=token, document_id__in=documents).values_list(
            "document_id", flat=True
        )
    )
