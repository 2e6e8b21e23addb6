"""Rows fetched together open their encrypted values together.

When a queryset of tenant rows is evaluated (``tenants/models/base.py``), the
rows of each model that has encrypted fields (those of ``select_related`` too)
share one ``Page``; ``iterator()`` gives each chunk of rows its page. The
first read of a field in any of them opens that field in all of them in one
pass (``_EncryptedField.open_page``): each subject's key found once (one
query for the keys not cached), the fixed part of the associated data built
once. A field never read is never decrypted, and a value
that does not open is read again on its own, so errors and logging are those
of a value read alone.

This module imports nothing of the key hierarchy: the base queryset imports it.
"""

import operator
import weakref

PAGE_KEY = "_encrypted_page"  # where a row keeps its page, in its __dict__
# Set in a row's __dict__ while refresh_from_db copies a fresh row into it: an
# erased value then arrives as its marker (privacy/fields.py).
REFRESHING = "_encrypted_refreshing"
_state_of = operator.attrgetter("__dict__")

# The concrete models with encrypted fields, as the fields are added to them.
_encrypted_models: set[type] = set()


def register(model) -> None:
    if not model._meta.abstract:
        _encrypted_models.add(model)


def _encrypted(model) -> bool:
    return model in _encrypted_models or model._meta.concrete_model in _encrypted_models


class Page:
    """The rows of one model fetched together, held weakly: each row holds its
    page, and rows held back would make a cycle that only the garbage collector
    frees (a long iteration would keep every page's rows until it runs)."""

    __slots__ = ("model", "rows", "opened")

    def __init__(self, model, rows):
        self.model = model
        self.rows = list(map(weakref.ref, rows))
        self.opened = set()

    def open(self, field) -> bool:
        """Opens ``field`` in every row still alive; False if it was done before."""
        if field.attname in self.opened:
            return False
        self.opened.add(field.attname)
        try:
            # Every row alive (nearly always): their states in one pass, with no
            # test per row (a freed row's reference gives None, which has no state).
            states = list(map(_state_of, map(operator.call, self.rows)))
        except AttributeError:
            states = [row.__dict__ for row in map(operator.call, self.rows) if row is not None]
        field.open_page(self.model, states)
        return True

    def __reduce__(self):
        # A pickled row (a cache, a copy) travels alone: its values open one by one.
        return Page, (self.model, ())


def gather(rows: list, *, related: bool) -> None:
    """Gives the encrypted rows among ``rows`` (and, with ``related``, the rows
    their ``select_related`` brought) a page per model. Rows alone of their
    model keep the single-value path."""
    by_model: dict[type, list] = {}
    if related:
        seen: set[int] = set()
        for row in rows:
            _collect(row, by_model, seen, depth=0)
    else:
        if rows and _encrypted(type(rows[0])):
            by_model[type(rows[0])] = rows
    for model, members in by_model.items():
        if len(members) > 1 and _encrypted(model):
            page = Page(model, members)
            for row in members:
                row.__dict__[PAGE_KEY] = page


def _collect(row, by_model: dict, seen: set, depth: int) -> None:
    if id(row) in seen or PAGE_KEY in row.__dict__:
        return  # a row met twice, or one fetched (and paged) by its own queryset
    seen.add(id(row))
    by_model.setdefault(type(row), []).append(row)
    if depth < 4:
        for related in row._state.fields_cache.values():
            if related is not None and hasattr(related, "_state"):
                _collect(related, by_model, seen, depth + 1)
