"""Blind indexes: exact-match lookups of personal values without storing them.

``HMAC-SHA-256(key, normalised value)`` where the key is derived with HKDF from
the tenant's index root, one key per kind of value. The same phone number gives
different indexes in different tenants, and nothing in the database reveals it.
"""

import hashlib
import hmac

import phonenumbers
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from instaply.errors import Invalid
from privacy import keyring

KINDS = ("phone", "email", "social")


def normalise_phone(value: str, default_region: str | None = None) -> str:
    """E.164, or Invalid with a clear reason."""
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException as exc:
        raise Invalid(f"Not a phone number: {exc}", fields={"phone": [str(exc)]}) from None
    if not phonenumbers.is_possible_number(number):
        raise Invalid("Not a possible phone number.", fields={"phone": ["Not a possible number."]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_social(value: str) -> str:
    return value.strip()


NORMALISERS = {"phone": normalise_phone, "email": normalise_email, "social": normalise_social}


def _index_key(tenant_id, kind: str) -> bytes:
    cache_key = ("index", tenant_id, kind)
    key = keyring.cache.get(cache_key)
    if key is None:
        root = keyring.tenant_key_material(
            keyring.current_tenant_key(tenant_id, keyring.Purpose.INDEX)
        )
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=f"instaply blind index v1 {kind}".encode(),
        ).derive(root)
        keyring.cache.put(cache_key, key)
    return key


def blind_index(tenant_id, kind: str, value: str | None) -> str | None:
    """The index of an already-normalised value (None stays None)."""
    if kind not in KINDS:
        raise ValueError(f"unknown blind index kind {kind!r}")
    if value is None or value == "":
        return None
    return hmac.new(_index_key(tenant_id, kind), value.encode(), hashlib.sha256).hexdigest()


def search_key(tenant_id, domain: str) -> bytes:
    """The key of the search index's tokens of one domain (words of messages,
    parts of names, email and phone forms: search/tokens.py), derived like the
    blind-index keys from the tenant's index root under labels of their own, so
    a search token never equals a blind index, nor a token of another domain."""
    return _index_key(tenant_id, f"search {domain}")
