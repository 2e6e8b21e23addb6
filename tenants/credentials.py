"""Secrets handed to people (API tokens, invitation links) and their stored digests."""

import hashlib
import hmac
import secrets

API_TOKEN_PREFIX = "ipt_"
INVITATION_PREFIX = "inv_"


def new_secret(prefix: str) -> tuple[str, str]:
    """Returns (secret to show once, digest to store)."""
    raw = prefix + secrets.token_urlsafe(32)
    return raw, digest(raw)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def matches(raw: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(raw), stored_digest)
