"""Model fields whose values are stored as AES-256-GCM ciphertext.

    class Contact(TenantScopedModel):
        name = EncryptedTextField(subject="id")          # the contact's own data key
    class Message(TenantScopedModel):
        body = EncryptedTextField(subject="contact_id")  # the contact's data key too

``subject`` names the attribute holding the id of the data key's subject (a
contact id, or ``tenant_id`` for the tenant's own secrets). Values are encrypted in
``pre_save``, when the row's id and tenant are known, and opened lazily on first
read: the rows of one query open the field all at once (``privacy/pages.py``),
a row alone opens its own. A value that does not open raises
``DecryptionError``; once the subject's key is destroyed, reads give ``ERASED``.
A reader that must go on past a value that does not open (a thread with one
altered message) calls ``open_or_mark``: that value then reads as
``UNREADABLE``, the reader reports it, the rest works.

The attribute holds the stored bytes (or None, or ``_PENDING`` while a new
plaintext waits for ``pre_save``); the plaintext sits beside it in the instance.
This path runs for every encrypted value the platform reads or writes, hence
the few micro-optimisations (no UUID conversions, one cache lookup).
"""

import json
import logging
import operator
import uuid

from cryptography.exceptions import InvalidTag
from django.db import models

from instaply import rls
from privacy import keyring, pages
from privacy.crypto import (
    AFTER_V1,
    HEADER_V1,
    NONCE_PART,
    SEALED_PART,
    DecryptionError,
    Erased,
    decrypt,
    encrypt,
)
from privacy.pages import PAGE_KEY, REFRESHING

logger = logging.getLogger(__name__)

_PENDING = object()  # a new plaintext, not encrypted yet
_DEFERRED = object()  # a column the query did not load
_cached_key = keyring.cache.get
_slot = keyring.slot


class Unreadable(str):
    """What a value that did not open reads as, once ``open_or_mark`` marked it.
    Not ``ERASED``: erasure is a decision, this is damage or tampering."""

    __slots__ = ()


UNREADABLE = Unreadable("[unreadable]")


def is_unreadable(value) -> bool:
    return isinstance(value, Unreadable)


def open_or_mark(instance, *names: str) -> list[str]:
    """Opens the named encrypted fields of ``instance``; each one that does not
    open reads as ``UNREADABLE`` from then on. Returns the names that did not."""
    failed = []
    for name in names:
        field = instance._meta.get_field(name)
        try:
            getattr(instance, field.attname)
        except DecryptionError:
            instance.__dict__[field.plain_key] = UNREADABLE
            failed.append(name)
    return failed


def _uuid_int(value) -> int:
    return value.int if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).int


class _EncryptedAttribute(property):
    """The field's attribute. Reading it is ``operator.attrgetter`` of the plain
    key: a plaintext already opened is an instance-dictionary hit in C, with no
    Python frame (a page's rows are read once each after the page opened: the
    frame was a tenth of their cost). An instance with no plaintext yet falls
    through to ``_Plaintext``, the plain key's class attribute, which opens it.
    Setting it goes through ``_store``."""

    # Stored bytes go in the attribute's column key as they are, with no plaintext:
    # a fetched row may be built that way without the setter (tenants/models/rows.py).
    keeps_stored_bytes = True

    def __init__(self, field):
        super().__init__(operator.attrgetter(field.plain_key), self._store)
        self.field = field
        self.attname = field.attname
        self.plain_key = field.plain_key

    def _store(self, instance, value):
        state = instance.__dict__
        if type(value) is bytes:  # stored ciphertext: from the database, or a copy
            state[self.attname] = value
            state.pop(self.plain_key, None)
        elif value is None:
            state[self.attname] = state[self.plain_key] = None
        elif isinstance(value, memoryview | bytearray):
            state[self.attname] = bytes(value)
            state.pop(self.plain_key, None)
        elif isinstance(value, Erased | Unreadable):
            if not state.get(REFRESHING):
                raise ValueError(f"the {value} marker cannot be stored")
            # Django's refresh copies what the fresh row reads as; the stored bytes
            # behind a marker are still in the row, so leave the column unloaded:
            # the first read loads it (as .defer() would) and reads the marker again.
            state.pop(self.attname, None)
            state.pop(self.plain_key, None)
        else:
            state[self.plain_key] = value if type(value) is str else self.field.check_plain(value)
            state[self.attname] = _PENDING


class _Plaintext:
    """The plain key's class attribute: a non-data descriptor, so Python asks it
    only when the instance holds no plaintext yet. It opens the stored value
    (with its page, or alone) and keeps the plaintext in the instance."""

    __slots__ = ("field", "attname", "plain_key")

    def __init__(self, field):
        self.field = field
        self.attname = field.attname
        self.plain_key = field.plain_key

    def __get__(self, instance, owner):
        if instance is None:
            return self
        state = instance.__dict__
        raw = state.get(self.attname, _DEFERRED)
        if raw is _DEFERRED:  # left out by .only()/.defer(): load it now, as Django would
            raw = state[self.attname] = self.field.load_deferred(instance)
        if raw is None:
            return None
        page = state.get(PAGE_KEY)
        if page is not None and page.open(self.field):
            try:
                return state[self.plain_key]
            except KeyError:
                pass  # it did not open with its page: read it alone, for the error
        value = state[self.plain_key] = self.field.open_value(instance, raw)
        return value


class _PageWork:
    """One field opened over a page of rows, row by row in one loop: each subject's
    cipher looked up once, the tenant's part of the associated data built once."""

    __slots__ = ("field", "middle")

    def __init__(self, field, middle: bytes):
        self.field, self.middle = field, middle

    def open(self, states, keys: dict) -> list:
        """Opens the values of ``states`` (an iterable) whose key ``keys`` holds ({subject's id
        as int: cipher or ERASED}: the key cache's fresh entries, or the keys the
        page loaded); returns the states whose key it does not hold. A value
        that does not open stays closed.

        The loop is written out (the key cache read at one moment for the page,
        the value sliced and decrypted inline as ``crypto.decrypt_or_none`` does):
        around a 0.6 µs AES-GCM call, each call, test or attribute read per row
        is a few percent of the page. Rows come in runs of one subject (a
        thread) and of one tenant (any page), so the last subject's key and the
        last tenant's part of the associated data are kept until another one
        comes (each row's own ids are still read and compared).

        A value's header is checked by comparing the whole value with the
        bounds of the values that start with ``HEADER_V1`` (the header of every
        value written today): half the cost of slicing the header out to
        compare it. A value under another header is read alone, where its own
        header is taken.

        The rare cases cost no test on the common path: they are the exceptions
        the common path raises. A value that is not stored bytes (None, a
        plaintext waiting for save()) cannot be sliced (TypeError); a value too
        short to hold a nonce and a tag, or altered, or moved from another row,
        fails AES-GCM (ValueError, InvalidTag);
        a text that does not decode fails ``from_bytes`` (ValueError). Each is
        left closed, to be read alone for its error. A subject whose key is not
        in ``keys`` (None) or was destroyed (``ERASED``, a string) has no
        ``decrypt`` (AttributeError): the first goes to the returned list, the
        second reads as ``ERASED``."""
        field = self.field
        attname, plain_key, subject, pk_attname = (
            field.attname, field.plain_key, field.subject, field._pk_attname,
        )  # fmt: skip
        from_bytes, middle, get_key = field.from_bytes, self.middle, keys.get
        nonce_part, sealed_part = NONCE_PART, SEALED_PART
        missing, last, cipher, tenant, v1_prefix = [], None, None, None, b""
        for state in states:
            try:
                blob = state[attname]
                subject_int = state[subject].int
                row_int = state[pk_attname].int
                tenant_int = state["tenant_id"].int
            except (AttributeError, KeyError):
                continue  # deferred, an id set by hand or not a UUID: read alone
            if subject_int != last:
                cipher, last = get_key(subject_int), subject_int
            if tenant_int != tenant:
                tenant, v1_prefix = tenant_int, HEADER_V1 + tenant_int.to_bytes(16) + middle
            try:
                if not HEADER_V1 <= blob < AFTER_V1:
                    continue  # another header: read alone, under its own
                state[plain_key] = from_bytes(
                    cipher.decrypt(
                        blob[nonce_part], blob[sealed_part], v1_prefix + row_int.to_bytes(16)
                    )
                )
            except AttributeError:
                if cipher is None:
                    missing.append(state)
                elif type(cipher) is Erased:
                    state[plain_key] = cipher
            except (TypeError, ValueError, InvalidTag):
                continue  # read alone, for its error
        return missing


class _EncryptedField(models.BinaryField):
    def __init__(self, *args, subject: str, context_label: str = "", **kwargs):
        self.subject = subject  # an attname: "id", "contact_id", "tenant_id"
        # The model's name in the associated data; set once a model is renamed, so
        # the values it stored under its former name still decrypt.
        self.context_label = context_label
        self._context_middle: bytes | None = None
        self._pk_attname = "id"
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["subject"] = self.subject
        if self.context_label:
            kwargs["context_label"] = self.context_label
        kwargs.pop("null", None)
        if not self.null:
            kwargs["null"] = False
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.plain_key = f"_plain_{self.attname}"
        setattr(cls, self.attname, _EncryptedAttribute(self))
        setattr(cls, self.plain_key, _Plaintext(self))
        pages.register(cls)

    # Plain values <-> bytes, per subclass.
    def check_plain(self, value):
        raise NotImplementedError

    def to_bytes(self, value) -> bytes:
        raise NotImplementedError

    def from_bytes(self, data: bytes):
        raise NotImplementedError

    def context(self, instance) -> bytes:
        """tenant id | model | column | row id: where this value belongs."""
        middle = self._context_middle or self._prepare_context(instance._meta)
        state = instance.__dict__
        tenant_id, pk = state["tenant_id"], state[self._pk_attname]
        # The row's two ids as bytes, computed once per row for all its fields.
        memo = state.get("_encryption_ids")
        if memo is None or memo[0] is not tenant_id or memo[1] is not pk:
            memo = state["_encryption_ids"] = (
                tenant_id,
                pk,
                _uuid_int(tenant_id).to_bytes(16, "big"),
                _uuid_int(pk).to_bytes(16, "big"),
            )
        return memo[2] + middle + memo[3]

    def _prepare_context(self, meta) -> bytes:
        self._pk_attname = meta.pk.attname
        label = self.context_label or meta.label_lower
        self._context_middle = f"|{label}|{self.column}|".encode()
        return self._context_middle

    def load_deferred(self, instance) -> bytes | None:
        """The stored bytes of this column when the query left it out. Read as
        they are: ``refresh_from_db`` would open them on a copy of the row and
        hand back the plaintext, as if it had just been set."""
        with rls.for_row(instance.tenant_id):
            raw = (
                type(instance)
                ._base_manager.using(instance._state.db)
                .filter(pk=instance.pk)
                .values_list(self.attname, flat=True)
                .get()
            )
        return raw

    def _load_bound_ids(self, instance) -> None:
        """Loads the ids a value is bound to when the query deferred them: without
        them the value can neither be opened nor sealed."""
        state = instance.__dict__
        missing = [name for name in (self.subject, "tenant_id") if name not in state]
        if missing:
            instance.refresh_from_db(fields=missing)

    def _cipher(self, instance, *, create: bool = False):
        self._load_bound_ids(instance)
        state = instance.__dict__
        subject = state[self.subject]
        return _cached_key(_slot(subject)) or keyring.data_cipher(
            state["tenant_id"], subject, create=create
        )

    def open_value(self, instance, raw: bytes):
        cipher = self._cipher(instance)
        if type(cipher) is Erased:
            return cipher
        try:
            return self.from_bytes(decrypt(cipher, raw, self.context(instance)))
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

    def open_page(self, model, states: list) -> None:
        """Opens this field in the rows of ``model`` whose ``__dict__`` are ``states``
        (rows fetched together) in one pass:
        each subject's key looked up once (one query for those not cached), the
        associated data's fixed part built once per tenant. What does not open
        here is left to ``open_value``, which raises and logs for it.

        Each row costs a few dictionary operations around its AES-GCM call, so
        ids are handled as integers (a UUID hashes and compares in Python); a row
        whose ids are not UUIDs (set by hand, not fetched) is left to
        ``open_value`` too."""
        if not states:
            return
        middle = self._context_middle or self._prepare_context(model._meta)
        page = _PageWork(self, middle)
        missing = page.open(states, keyring.cache.fresh())
        if not missing:
            return
        by_tenant = {}
        for state in missing:
            subject_id = state[self.subject]
            by_tenant.setdefault(state["tenant_id"], {})[_slot(subject_id)] = subject_id
        loaded = {}
        try:
            for tenant_id, subjects in by_tenant.items():
                # One query for the page's keys (ERASED for a destroyed one).
                for subject_slot, cipher in keyring.data_ciphers(tenant_id, subjects).items():
                    loaded[subject_slot] = cipher
        except DecryptionError:
            return  # a key that does not unwrap: each of its values says so alone
        page.open(missing, loaded)

    def pre_save(self, instance, add):
        state = instance.__dict__
        raw = state.get(self.attname)
        if raw is not _PENDING:
            return raw  # unchanged ciphertext (or NULL) is written back as it was
        cipher = self._cipher(instance, create=True)
        if type(cipher) is Erased:
            raise DecryptionError("cannot write personal data of an erased subject")
        encrypted = encrypt(cipher, self.to_bytes(state[self.plain_key]), self.context(instance))
        state[self.attname] = encrypted
        return encrypted

    def from_db_value(self, value, expression, connection):
        return None if value is None else bytes(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is not None and type(value) is not bytes:
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

    from_bytes = staticmethod(bytes.decode)


class EncryptedJSONField(_EncryptedField):
    def check_plain(self, value):
        json.dumps(value)  # refuse what cannot be stored, now rather than at save
        return value

    def to_bytes(self, value) -> bytes:
        return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()

    from_bytes = staticmethod(json.loads)
