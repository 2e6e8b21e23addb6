"""Opaque keys of the reporting database: HMAC-SHA256 of a main-database id.

The kind is part of the hashed text, so a tenant's key and a conversation's key
never coincide, and the key (REPORTING_KEY) stays on the platform: whoever reads
the reporting database cannot recompute a key from an id, nor reverse one.
Outside production an empty REPORTING_KEY is derived from SECRET_KEY.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

TENANT, SHOP, CONVERSATION, MESSAGE = "tenant", "shop", "conversation", "message"


@lru_cache(maxsize=4)
def _secret(reporting_key: str, secret_key: str) -> bytes:
    if reporting_key:
        return reporting_key.encode()
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"instaply reporting keys"
    ).derive(secret_key.encode())


def opaque_key(kind: str, value) -> str:
    secret = _secret(settings.REPORTING_KEY, settings.SECRET_KEY)
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
