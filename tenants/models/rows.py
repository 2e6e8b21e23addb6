"""Rows fetched from the database built without ``Model.__init__``.

A page request builds some fifty rows; ``Model.__init__`` sets each column
through ``setattr``, which for a foreign key's id runs
``ForeignKeyDeferredAttribute.__set__`` (a comparison of the old and new id and
a look in the relation cache: nothing to do on a row being built) and sends
``pre_init`` and ``post_init``. Here each column whose attribute has no setter
of its own, and each foreign key's id, is stored in the row's dictionary in one
C call; a column whose attribute has a setter of its own (an encrypted field)
still goes through it. A row fetched with deferred columns (``only()``, as the
inbox page's rows are) leaves them out of its dictionary, as Django does, and
loads them when read. A model with receivers of those signals is built by
Django as before.
"""

import operator

from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.dispatch.dispatcher import NO_RECEIVERS


class _Plan:
    """For one model: which columns go straight into the row's dictionary, and
    which through their attribute's setter (in the order of the fetched values)."""

    __slots__ = ("width", "plain_names", "plain_values", "set_through", "bytes_as_is")

    def __init__(self, model, fetched=None):
        """``fetched``: the attribute names of the columns fetched, when not all."""
        fields = model._meta.concrete_fields
        self.width = len(fields)
        if fetched is not None:
            # The values are those of the fetched columns, in the model's order.
            fields = [field for field in fields if field.attname in fetched]
        plain, through = [], []
        for index, field in enumerate(fields):
            descriptor = _class_attribute(model, field.attname)
            if _stored_as_is(descriptor):
                plain.append((index, field.attname))
            else:
                through.append((index, field.attname))
        self.plain_names = tuple(name for _, name in plain)
        indexes = [index for index, _ in plain]
        if indexes == list(range(len(indexes))):  # the leading columns: a slice
            self.plain_values = operator.itemgetter(slice(0, len(indexes)))
        elif len(indexes) == 1:
            only = indexes[0]
            self.plain_values = lambda values: (values[only],)
        else:
            self.plain_values = operator.itemgetter(*indexes)
        self.set_through = tuple(through)
        # Attributes that keep stored bytes as they are (an encrypted field's
        # ciphertext, privacy/fields.py): on a new row, the same as their setter.
        self.bytes_as_is = frozenset(
            name
            for _, name in through
            if getattr(_class_attribute(model, name), "keeps_stored_bytes", False)
        )


def _class_attribute(model, name):
    for klass in model.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def _stored_as_is(descriptor) -> bool:
    # No attribute, a non-data descriptor (Django's DeferredAttribute), or a
    # foreign key's id, whose setter only clears a relation cache a new row has not.
    return (
        descriptor is None
        or type(descriptor) is ForeignKeyDeferredAttribute
        or not hasattr(type(descriptor), "__set__")
    )


# Plans kept per model for rows with deferred columns: one per set of columns
# a query fetches (a few per model); beyond this, such rows are built by Django.
MAX_PARTIAL_PLANS = 64


def _plan(model, field_names, values) -> _Plan | None:
    plan = model.__dict__.get("_row_plan")
    if plan is None:
        plan = model._row_plan = _Plan(model)
    if len(values) == plan.width:
        return plan
    partial = model.__dict__.get("_row_partial_plans")
    if partial is None:
        partial = model._row_partial_plans = {}
    fetched = tuple(field_names)
    plan = partial.get(fetched)
    if plan is None:
        if len(partial) >= MAX_PARTIAL_PLANS or len(fetched) != len(values):
            return None
        plan = partial[fetched] = _Plan(model, frozenset(fetched))
    return plan


def row_from_db(model, db, field_names, values):
    """The row, as ``Model.from_db`` would build it; None when Django must."""
    if _listened(pre_init, model) or _listened(post_init, model):
        return None
    plan = _plan(model, field_names, values)
    if plan is None:
        return None
    row = model.__new__(model)
    state = row.__dict__
    model_state = state["_state"] = ModelState()
    model_state.adding = False
    model_state.db = db
    state.update(zip(plan.plain_names, plan.plain_values(values), strict=True))
    for index, name in plan.set_through:
        value = values[index]
        if type(value) is bytes and name in plan.bytes_as_is:
            state[name] = value
        else:
            setattr(row, name, value)
    return row


def _listened(signal, model) -> bool:
    # Django's own first test in Signal.send (its cache says "no receivers" in
    # one dictionary look-up), then has_listeners when the cache does not say.
    if not signal.receivers or signal.sender_receivers_cache.get(model) is NO_RECEIVERS:
        return False
    return signal.has_listeners(model)
