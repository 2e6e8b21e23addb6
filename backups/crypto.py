"""Encryption of backup files and authentication of their manifests.

The backup key is derived (HKDF) from a master key version with its own label,
so it opens nothing else and nothing else opens backups; the manifest records
the version. Each file gets its own key, derived from the backup key and a
random salt in the file's header.

File format: ``header | chunk*``, where the header is ``MAGIC | master key version
(4 bytes) | salt (16) | nonce prefix (4)`` and a chunk is ``length (4 bytes) |
AES-256-GCM ciphertext and tag`` of up to CHUNK bytes of gzip-compressed data.
Chunk i's nonce is the prefix and i (8 bytes); its associated data is the header,
i and a last-chunk flag, so a chunk moved, dropped, swapped with another file's
or a file cut after any chunk does not open.
"""

import gzip
import hashlib
import hmac
import json
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from privacy.keys import UnwrapError, master_key_source

MAGIC = b"INSTAPLY-BACKUP1"
HEADER = struct.Struct(">16sI16s4s")
CHUNK = 1 << 20
LENGTH = struct.Struct(">I")
TAG_BYTES = 16
LABEL = b"backups"


class BackupCryptoError(Exception):
    """A backup file or manifest does not open: wrong key, altered or cut short."""


def backup_key(version: int | None = None) -> tuple[int, bytes]:
    """(master key version, backup key); the active version unless one is named."""
    source = master_key_source()
    derive = getattr(source, "derive_key", None)
    if derive is None:
        raise BackupCryptoError(
            f"the key source {type(source).__name__} cannot derive a backup key (derive_key)"
        )
    try:
        return derive(LABEL, version)
    except UnwrapError as exc:
        raise BackupCryptoError(f"no backup key: {exc}") from None


def _subkey(key: bytes, purpose: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose).derive(key)


def _chunk_aad(header: bytes, index: int, last: bool) -> bytes:
    return header + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def _compressed_chunks(source: BinaryIO) -> Iterator[bytes]:
    """gzip of ``source``, cut into CHUNK-sized pieces."""
    buffer = bytearray()
    compressor = gzip.GzipFile(fileobj=_Sink(buffer), mode="wb", compresslevel=6, mtime=0)
    while block := source.read(CHUNK):
        compressor.write(block)
        while len(buffer) >= CHUNK:
            yield bytes(buffer[:CHUNK])
            del buffer[:CHUNK]
    compressor.close()
    while buffer:
        yield bytes(buffer[:CHUNK])
        del buffer[:CHUNK]


class _Sink:
    def __init__(self, buffer: bytearray):
        self.buffer = buffer

    def write(self, data) -> int:
        self.buffer.extend(data)
        return len(data)

    def flush(self) -> None:
        pass


def encrypt_stream(source: BinaryIO, target: BinaryIO) -> tuple[int, str]:
    """Compresses and encrypts ``source`` into ``target``; returns (key version, SHA-256
    of what was written)."""
    version, key = backup_key()
    salt, prefix = os.urandom(16), os.urandom(4)
    header = HEADER.pack(MAGIC, version, salt, prefix)
    cipher = AESGCM(_subkey(key, b"instaply backup file", salt))
    digest = hashlib.sha256(header)
    target.write(header)
    chunks = _compressed_chunks(source)
    current = next(chunks, b"")
    index = 0
    while True:
        following = next(chunks, None)
        last = following is None
        nonce = prefix + index.to_bytes(8, "big")
        sealed = cipher.encrypt(nonce, current, _chunk_aad(header, index, last))
        piece = LENGTH.pack(len(sealed)) + sealed
        digest.update(piece)
        target.write(piece)
        if last:
            break
        current, index = following, index + 1
    return version, digest.hexdigest()


def decrypt_stream(source: BinaryIO, target: BinaryIO) -> None:
    """Opens a file written by ``encrypt_stream`` into ``target`` (decompressed).
    Raises BackupCryptoError on any altered, missing or extra byte."""
    header = source.read(HEADER.size)
    if len(header) != HEADER.size:
        raise BackupCryptoError("the file is shorter than its header")
    magic, version, salt, prefix = HEADER.unpack(header)
    if magic != MAGIC:
        raise BackupCryptoError("not an Instaply backup file")
    _, key = backup_key(version)
    cipher = AESGCM(_subkey(key, b"instaply backup file", salt))
    decompressor = gzip.GzipFile(fileobj=_Source(_opened_chunks(source, cipher, header, prefix)))
    try:
        while block := decompressor.read(CHUNK):
            target.write(block)
    except (OSError, EOFError) as exc:
        raise BackupCryptoError(f"the decrypted data is not a valid archive: {exc}") from None


def _opened_chunks(source: BinaryIO, cipher: AESGCM, header: bytes, prefix: bytes):
    index = 0
    while True:
        length_bytes = source.read(LENGTH.size)
        if len(length_bytes) != LENGTH.size:
            raise BackupCryptoError(f"the file is cut short before chunk {index}")
        (length,) = LENGTH.unpack(length_bytes)
        if length < TAG_BYTES or length > CHUNK + TAG_BYTES:
            raise BackupCryptoError(f"chunk {index} has an impossible length {length}")
        sealed = source.read(length)
        if len(sealed) != length:
            raise BackupCryptoError(f"the file is cut short inside chunk {index}")
        last = source.peek(1)[:1] == b"" if hasattr(source, "peek") else _at_end(source)
        nonce = prefix + index.to_bytes(8, "big")
        try:
            yield cipher.decrypt(nonce, sealed, _chunk_aad(header, index, last))
        except InvalidTag:
            raise BackupCryptoError(
                f"chunk {index} does not open: wrong key, altered, reordered or cut short"
            ) from None
        if last:
            return
        index += 1


def _at_end(source: BinaryIO) -> bool:
    here = source.tell()
    end = source.seek(0, os.SEEK_END)
    source.seek(here)
    return here == end


class _Source:
    """A file-like reader over an iterator of byte strings (for GzipFile)."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.pending = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.pending) < size:
            nxt = next(self.chunks, None)
            if nxt is None:
                break
            self.pending += nxt
        if size < 0:
            size = len(self.pending)
        data, self.pending = self.pending[:size], self.pending[size:]
        return data


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


# Manifests ---------------------------------------------------------------------


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def manifest_seal(body: dict) -> dict:
    """The manifest with ``mac``: HMAC-SHA-256 of its canonical JSON under a key
    derived from the backup key of ``body["key_version"]``."""
    _, key = backup_key(body["key_version"])
    mac = hmac.new(_subkey(key, b"instaply backup manifest"), _canonical(body), hashlib.sha256)
    return {**body, "mac": mac.hexdigest()}


def manifest_open(manifest: dict) -> dict:
    """The body of an authentic manifest; BackupCryptoError otherwise."""
    body = {k: v for k, v in manifest.items() if k != "mac"}
    if not isinstance(body.get("key_version"), int) or not isinstance(manifest.get("mac"), str):
        raise BackupCryptoError("the manifest has no key version or no MAC")
    _, key = backup_key(body["key_version"])
    mac = hmac.new(_subkey(key, b"instaply backup manifest"), _canonical(body), hashlib.sha256)
    if not hmac.compare_digest(mac.hexdigest(), manifest["mac"]):
        raise BackupCryptoError("the manifest's MAC does not match: altered, or another key")
    return body
