"""Attachment bytes in and out of the attachments storage, always as ciphertext.

Each blob is AES-256-GCM under the contact's data key (privacy.keyring), bound
to its tenant, kind (file or thumbnail) and row, as a stored column is: a blob
copied to another row does not open, and once the contact's key is destroyed
no blob of theirs opens, wherever a copy went.
"""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import storages

from privacy import keyring
from privacy.crypto import DecryptionError, Erased, decrypt, encrypt

FILE, THUMBNAIL = "blob", "thumbnail"


def storage():
    return storages["attachments"]


def _context(attachment, kind: str) -> bytes:
    tenant = uuid.UUID(str(attachment.tenant_id)).bytes
    row = uuid.UUID(str(attachment.pk)).bytes
    return tenant + f"|attachments.attachment|{kind}|".encode() + row


def name_for(attachment, kind: str) -> str:
    suffix = ".thumb" if kind == THUMBNAIL else ""
    return f"{attachment.tenant_id}/{attachment.pk}{suffix}"


def blob_write(attachment, kind: str, data: bytes) -> str:
    """Encrypts and stores ``data``; returns the storage name (the same one on a
    second run, overwritten)."""
    cipher = keyring.data_cipher(attachment.tenant_id, attachment.contact_id, create=True)
    if type(cipher) is Erased:
        raise DecryptionError("cannot write a file of an erased subject")
    name = name_for(attachment, kind)
    files = storage()
    if files.exists(name):
        files.delete(name)
    return files.save(name, ContentFile(encrypt(cipher, data, _context(attachment, kind))))


def blob_read(attachment, kind: str) -> bytes | None:
    """The plaintext, or None when there is none (not stored, or the contact
    erased). A blob that does not open raises DecryptionError."""
    name = attachment.thumbnail if kind == THUMBNAIL else attachment.blob
    if not name:
        return None
    cipher = keyring.data_cipher(attachment.tenant_id, attachment.contact_id)
    if cipher is None or type(cipher) is Erased:
        return None
    with storage().open(name, "rb") as stored:
        return decrypt(cipher, stored.read(), _context(attachment, kind))


def blobs_delete(names: list[str]) -> None:
    files = storage()
    for name in names:
        if name:
            files.delete(name)  # a missing file is no error: deleting twice is safe
