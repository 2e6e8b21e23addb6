"""The master key source: wraps and unwraps tenant keys.

The environment key ring is the default source. A cloud KMS can replace it by
implementing ``MasterKeySource`` (three members) and naming the class in
``INSTAPLY_KEY_SOURCE``; nothing else in the code base touches master keys.

Format of INSTAPLY_MASTER_KEYS: comma-separated ``v<version>:<base64 key>``
entries, the first one active (it wraps new and re-wrapped keys), the others
kept only to unwrap what they wrapped until ``rotate_master_key`` has moved
everything off them.
"""

import base64
import binascii
import os
import secrets
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.module_loading import import_string

KEY_BYTES = 32
NONCE_BYTES = 12


class KeyRingError(ValueError):
    pass


class UnwrapError(Exception):
    """A wrapped key could not be opened: wrong key, missing version or tampering."""


class MasterKeySource(Protocol):
    @property
    def active_version(self) -> int: ...

    def wrap(self, key: bytes, *, context: bytes) -> tuple[int, bytes]:
        """Returns (master version used, wrapped key), bound to ``context``."""

    def unwrap(self, version: int, wrapped: bytes, *, context: bytes) -> bytes: ...


def parse_master_key_ring(value: str) -> dict[int, bytes]:
    """Returns {version: key} in the ring's order (first is active)."""
    ring: dict[int, bytes] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        version_text, sep, encoded = entry.partition(":")
        if not sep or not version_text.startswith("v") or not version_text[1:].isdigit():
            raise KeyRingError("each master key entry must look like 'v<version>:<base64 key>'")
        version = int(version_text[1:])
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
    return f"v{version}:" + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


class EnvironmentKeyRing:
    """Master keys held in process memory, read from INSTAPLY_MASTER_KEYS."""

    def __init__(self, ring_text: str):
        ring = parse_master_key_ring(ring_text)
        self._keys = ring
        self._ciphers = {version: AESGCM(key) for version, key in ring.items()}
        self._active = next(iter(ring))

    @property
    def active_version(self) -> int:
        return self._active

    def wrap(self, key: bytes, *, context: bytes) -> tuple[int, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        return self._active, nonce + self._ciphers[self._active].encrypt(nonce, key, context)

    def derive_key(self, label: bytes, version: int | None = None) -> tuple[int, bytes]:
        """A key of its own for ``label`` (HKDF-SHA-256 of a master key version),
        returned with that version: the backups' key (backups/crypto.py). A KMS
        source offers the same member through its own key derivation, or the
        platform's backups cannot be encrypted with it."""
        version = self._active if version is None else version
        key = self._keys.get(version)
        if key is None:
            raise UnwrapError(f"master key v{version} is not in the key ring")
        info = b"instaply/derived/" + label + f"/v{version}".encode()
        derived = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info)
        return version, derived.derive(key)

    def unwrap(self, version: int, wrapped: bytes, *, context: bytes) -> bytes:
        cipher = self._ciphers.get(version)
        if cipher is None:
            raise UnwrapError(f"master key v{version} is not in the key ring")
        try:
            return cipher.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context)
        except InvalidTag:
            raise UnwrapError(f"master key v{version} does not open this key") from None


def _development_ring() -> str:
    """One ring per checkout under var/, generated on first use, never committed."""
    path = settings.VAR_DIR / "master_keys"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generate_master_key_ring())
        path.chmod(0o600)
    return path.read_text().strip()


_source: MasterKeySource | None = None


def master_key_source() -> MasterKeySource:
    global _source
    if _source is None:
        source_class = import_string(settings.INSTAPLY_KEY_SOURCE)
        if source_class is EnvironmentKeyRing:
            _source = EnvironmentKeyRing(settings.INSTAPLY_MASTER_KEYS or _development_ring())
        else:
            _source = source_class()
    return _source


def reset_master_key_source() -> None:
    """Forgets the loaded source (after the ring changes: tests, rotation)."""
    global _source
    _source = None
