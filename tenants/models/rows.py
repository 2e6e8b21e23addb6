"""Rows fetched from the database built without ``Model.__init__``.

A page request builds some fifty rows; ``Model.__init__`` sets each column
through ``setattr``, which for a foreign key's id runs
``ForeignKeyDeferredAttribute.__set__`` (a comparison of the old and new id and
a look in the relation cache: nothing to do on a row being built) and sends
``pre_init`` and ``post_init``. Here each column whose attribute has no setter
of its own, and each foreign key's id, is stored in the row's dictionary in one
C call; a column whose attribute has a setter of its own (an encrypted field)
still goes through it. A model with receivers of those signals, or a row
fetched with deferred columns, is built by Django as before.
"""

import operator

from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.signals import post_init, pre_init


class _Plan:
    """For one model: which columns go straight into the row's dictionary, and
    which through their attribute's setter (in the order of the fetched values)."""

    __slots__ = ("width", "plain_names", "plain_values", "set_through")

    def __init__(self, model):
        fields = model._meta.concrete_fields
        self.width = len(fields)
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


def row_from_db(model, db, field_names, values):
    """The row, as ``Model.from_db`` would build it; None when Django must."""
    plan = model.__dict__.get("_row_plan")
    if plan is None:
        plan = _Plan(model)
        model._row_plan = plan
    if len(values) != plan.width or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return None
    row = model.__new__(model)
    state = row.__dict__
    model_state = state["_state"] = ModelState()
    model_state.adding = False
    model_state.db = db
    state.update(zip(plan.plain_names, plan.plain_values(values), strict=True))
    for index, name in plan.set_through:
        setattr(row, name, values[index])
    return row
