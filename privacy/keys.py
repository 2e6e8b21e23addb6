"""The master key ring: versioned 256-bit keys from the environment.

Format of INSTAPLY_MASTER_KEYS: comma-separated ``<version>:<base64 key>``
entries, the first one active (used to wrap new keys), the others kept only to
unwrap what they wrapped until rotation has moved everything off them.
"""

import base64
import binascii
import os

KEY_BYTES = 32


class KeyRingError(ValueError):
    pass


def parse_master_key_ring(value: str) -> dict[int, bytes]:
    """Returns {version: key} in the ring's order (first is active)."""
    ring: dict[int, bytes] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        version_text, sep, encoded = entry.partition(":")
        if not sep or not version_text.lstrip("v").isdigit():
            raise KeyRingError("each master key entry must look like 'v<version>:<base64 key>'")
        version = int(version_text.lstrip("v"))
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise KeyRingError(f"master key v{version} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise KeyRingError(f"master key v{version} must be {KEY_BYTES} bytes, not {len(key)}")
        if version in ring:
            raise KeyRingError(f"master key v{version} appears twice")
        ring[version] = key
    if not ring:
        raise KeyRingError("the master key ring is empty")
    return ring


def generate_master_key_ring(version: int = 1) -> str:
    return f"v{version}:" + base64.b64encode(os.urandom(KEY_BYTES)).decode()
