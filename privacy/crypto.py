"""AES-256-GCM for stored values: the one place values are encrypted and decrypted.

A stored value is ``format (1 byte) | key version (2 bytes) | nonce (12 bytes) |
ciphertext and tag``. The header is part of the associated data, and so is the
value's context (tenant, model, field, row), so a value moved to another row,
column or tenant, or given another header, does not open.
"""

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
HEADER = struct.Struct(">BH")
NONCE_BYTES = 12
TAG_BYTES = 16
MINIMUM_LENGTH = HEADER.size + NONCE_BYTES + TAG_BYTES
assert HEADER.size == 3 and NONCE_BYTES == 12  # decrypt slices by these offsets
# Where the parts of a stored value sit: for loops that open many values inline
# (privacy/fields.py opens a page of rows in one loop, where a call per value
# would cost as much as the slicing).
HEADER_PART, NONCE_PART, SEALED_PART = slice(0, 3), slice(3, 15), slice(15, None)


class DecryptionError(Exception):
    """A stored value did not open. Never answered with ciphertext or a placeholder."""


class Erased(str):
    """What reading a value gives once its subject's key was destroyed."""

    __slots__ = ()


ERASED = Erased("[erased]")


def is_erased(value) -> bool:
    return isinstance(value, Erased)


# The header of every value written with key version 1: nearly all of them (a
# page's loop takes this header's associated data ready-made, privacy/fields.py).
HEADER_V1 = HEADER.pack(FORMAT_VERSION, 1)
# The first header after it: a value starts with HEADER_V1 exactly when
# HEADER_V1 <= value < AFTER_V1 (bytes compare in order), a test cheaper than a slice.
AFTER_V1 = HEADER.pack(FORMAT_VERSION, 2)


def encrypt(cipher: AESGCM, plaintext: bytes, context: bytes, key_version: int = 1) -> bytes:
    header = HEADER_V1 if key_version == 1 else HEADER.pack(FORMAT_VERSION, key_version)
    nonce = os.urandom(NONCE_BYTES)  # 96 random bits from the OS for every value
    return header + nonce + cipher.encrypt(nonce, plaintext, header + context)


def key_version_of(blob: bytes) -> int:
    _check_shape(blob)
    return HEADER.unpack_from(blob)[1]


def decrypt(cipher: AESGCM, blob: bytes, context: bytes) -> bytes:
    plaintext = decrypt_or_none(cipher, blob, context)
    if plaintext is None:
        _check_shape(blob)
        raise DecryptionError(
            "authentication failed: wrong key, altered bytes, or a value moved from "
            "another row, column or tenant"
        )
    return plaintext


def decrypt_or_none(cipher: AESGCM, blob: bytes, context: bytes) -> bytes | None:
    """``decrypt`` for the values of a page: None when the value does not open,
    and the caller reads that one again through ``decrypt`` for its error (rare:
    a page does not build an error message for each value it opens)."""
    if len(blob) < MINIMUM_LENGTH or blob[0] != FORMAT_VERSION:
        return None
    try:
        return cipher.decrypt(blob[NONCE_PART], blob[SEALED_PART], blob[HEADER_PART] + context)
    except InvalidTag:
        return None


def _check_shape(blob: bytes) -> None:
    if len(blob) < MINIMUM_LENGTH:
        raise DecryptionError(f"value is truncated ({len(blob)} bytes)")
    if blob[0] != FORMAT_VERSION:
        raise DecryptionError(f"unknown value format {blob[0]}")
