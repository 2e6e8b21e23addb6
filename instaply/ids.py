"""Primary keys for tenant data: UUIDv7, made in Python.

Time-ordered (index locality), unguessable, and known before the INSERT so that
encrypted fields can bind their ciphertext to the row they belong to.
"""

import uuid

from uuid_utils.compat import uuid7 as _uuid7


def uuid7() -> uuid.UUID:
    return _uuid7()
