"""Keyed tokens: the first 64 bits of HMAC-SHA-256 under a per-tenant key of
each domain (privacy.blind_index.search_key, derived from the tenant's index
root), as a signed integer.

The same word gives unrelated tokens in two tenants and in two domains (a
message's "martin" and a name's "martin" differ). 64 bits keep the index small;
two different words of one tenant share a token with odds of about n²/2^65 for
n distinct words (under 10^-7 for a million): such a collision can only add a
result, never hide one.
"""

import hashlib
import hmac
import struct

from privacy.blind_index import search_key

DOMAINS = ("word", "name", "email", "phone")


def tokens(tenant_id, domain: str, forms) -> list[int]:
    if domain not in DOMAINS:
        raise ValueError(f"unknown search domain {domain!r}")
    key = search_key(tenant_id, domain)
    return [
        int.from_bytes(hmac.new(key, form.encode(), hashlib.sha256).digest()[:8], signed=True)
        for form in forms
    ]


def pack(values) -> bytes:
    values = sorted(set(values))
    return struct.pack(f">{len(values)}q", *values)


def unpack(data) -> list[int]:
    data = bytes(data)
    return list(struct.unpack(f">{len(data) // 8}q", data))
