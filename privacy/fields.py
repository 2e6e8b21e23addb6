"""Model fields whose values are stored as AES-256-GCM ciphertext.

    class Contact(TenantScopedModel):
        name = EncryptedTextField(subject="id")          # the contact's own data key
    class Message(TenantScopedModel):
        body = EncryptedTextField(subject="contact_id")  # the contact's data key too

``subject`` names the attribute holding the id of the data key's subject (a
contact id, or ``tenant_id`` for the tenant's own secrets). Values are sealed in
``pre_save``, when the row's id and tenant are known, and opened lazily on first
read. A value that does not open raises ``DecryptionError``; once the subject's
key is destroyed, reads give ``ERASED``.
"""

import json
import logging

from django.db import models

from privacy import keyring
from privacy.crypto import DecryptionError, Erased, open_sealed, seal

logger = logging.getLogger(__name__)

_PENDING = object()  # the attribute holds plaintext not sealed yet


class Ciphertext(bytes):
    """Bytes as stored: what a row loaded from the database holds until read."""


class _EncryptedAttribute:
    def __init__(self, field):
        self.field = field
        self.attname = field.attname
        self.plain_key = f"_plain_{field.attname}"

    def __get__(self, instance, owner):
        if instance is None:
            return self
        state = instance.__dict__
        if self.plain_key in state:
            return state[self.plain_key]
        raw = state.get(self.attname)
        if raw is None:
            return None
        value = self.field.open_value(instance, raw)
        state[self.plain_key] = value
        return value

    def __set__(self, instance, value):
        state = instance.__dict__
        if value is None:
            state[self.attname] = None
            state[self.plain_key] = None
        elif isinstance(value, bytes | memoryview):
            state[self.attname] = Ciphertext(value)
            state.pop(self.plain_key, None)
        elif isinstance(value, Erased):
            raise ValueError("the erased marker cannot be stored")
        else:
            state[self.plain_key] = self.field.check_plain(value)
            state[self.attname] = _PENDING


class _EncryptedField(models.BinaryField):
    def __init__(self, *args, subject: str, **kwargs):
        self.subject = subject
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["subject"] = self.subject
        kwargs.pop("null", None)
        if not self.null:
            kwargs["null"] = False
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        setattr(cls, self.attname, _EncryptedAttribute(self))

    # Plain values <-> bytes, per subclass.
    def check_plain(self, value):
        raise NotImplementedError

    def to_bytes(self, value) -> bytes:
        raise NotImplementedError

    def from_bytes(self, data: bytes):
        raise NotImplementedError

    def context(self, instance) -> bytes:
        label = instance._meta.label_lower
        return f"{instance.tenant_id}|{label}|{self.column}|{instance.pk}".encode()

    def open_value(self, instance, raw: bytes):
        cipher = keyring.data_cipher(instance.tenant_id, getattr(instance, self.subject))
        if isinstance(cipher, Erased):
            return cipher
        try:
            return self.from_bytes(open_sealed(cipher, raw, self.context(instance)))
        except DecryptionError as exc:
            logger.error(
                "encrypted value does not open: %s.%s row %s: %s",
                instance._meta.label,
                self.name,
                instance.pk,
                exc,
            )
            raise DecryptionError(
                f"{instance._meta.label}.{self.name} of row {instance.pk} does not decrypt: {exc}"
            ) from None

    def pre_save(self, instance, add):
        raw = instance.__dict__.get(self.attname)
        if raw is not _PENDING:
            return raw  # unchanged ciphertext (or NULL) is written back as it was
        cipher = keyring.data_cipher(
            instance.tenant_id, getattr(instance, self.subject), create=True
        )
        if isinstance(cipher, Erased):
            raise DecryptionError("cannot write personal data of an erased subject")
        sealed = Ciphertext(
            seal(cipher, self.to_bytes(getattr(instance, self.attname)), self.context(instance))
        )
        instance.__dict__[self.attname] = sealed
        return sealed

    def from_db_value(self, value, expression, connection):
        return None if value is None else Ciphertext(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is _PENDING or (value is not None and not isinstance(value, bytes)):
            # Plaintext reaching SQL means a path around save() (queryset.update,
            # bulk_update, filtering on an encrypted column): refuse it.
            raise TypeError(f"{self.name} is encrypted: write it through save() on the model")
        return super().get_db_prep_value(value, connection, prepared)

    def value_to_string(self, obj):
        raise TypeError(f"{self.name} is encrypted and is never serialised in clear")


class EncryptedTextField(_EncryptedField):
    def check_plain(self, value):
        if not isinstance(value, str):
            raise TypeError(f"{self.name} takes text, not {type(value).__name__}")
        return value

    def to_bytes(self, value) -> bytes:
        return value.encode()

    def from_bytes(self, data: bytes):
        return data.decode()


class EncryptedJSONField(_EncryptedField):
    def check_plain(self, value):
        json.dumps(value)  # refuse what cannot be stored, now rather than at save
        return value

    def to_bytes(self, value) -> bytes:
        return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()

    def from_bytes(self, data: bytes):
        return json.loads(data)
