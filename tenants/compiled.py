"""Page queries the ORM compiles once per process per shape, not on every request.

Building a queryset and compiling it to SQL cost an inbox page about half its
CPU (bench/inbox_bench.py, "page query"). A ``CompiledQuery`` has its builder
make the queryset once for each *shape* (which filters are used, how many ids
a list holds, the limit), with a stand-in value of the right type for every
parameter, and keeps the compiler the ORM produced. Each request then runs
that SQL with its own values in the stand-ins' places, through a queryset of
the same model, so the tenant's door (row-level security, ``instaply/rls.py``)
and the encrypted-field page hook (``TenantQuerySet._fetch_all``) apply as to
any query, and rows, converters and ``select_related`` objects are the ORM's.

The SQL is the ORM's own. The builder scopes its queryset with ``for_tenant``
like any other read (the scoping lint judges it); the tenant is a parameter
like the others, always the one the door is opened for, and a compiled
statement holding any value that is not a stand-in is refused, so no request's
value can be baked into the SQL another request runs.
"""

import contextlib
import copy
import datetime as dt
import functools
import itertools
import threading
import uuid

from django.db import connections, models

from instaply import rls
from tenants.scoping import tenant_id_of

_serial = itertools.count(1)
# Shapes kept per statement: the common ones are few, but a client choosing every
# filter combination and limit could make thousands; beyond this the oldest is
# dropped (and compiled again if asked for: the old cost, never a wrong answer).
MAX_SHAPES = 128


class CompiledQuery:
    """``build(shape, values)`` returns the queryset of one shape; ``values`` maps each
    parameter named in ``fields`` (and ``tenant``) to its value, a list for a list."""

    def __init__(self, build, *, prepare_after_switch: bool = True, **fields: models.Field):
        self.build = build
        # False for a statement cheaper to plan than a round trip: prepared only
        # when no row-level security scope switch has to go before it.
        self.prepare_after_switch = prepare_after_switch
        self.fields = fields
        self._compiled: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    def fetch(self, *, tenant, shape: tuple = (), **values) -> list:
        """The rows, as ``list(queryset)`` of the shape built with these values would give."""
        values["tenant"] = tenant_id_of(tenant)
        names = tuple(
            sorted((k, len(v) if isinstance(v, list) else None) for k, v in values.items())
        )
        queryset, compiler, sql, places = self._statement(shape, names)
        connection = connections[queryset.db]  # this thread's, not the compiling one's
        params = [None] * len(places)
        for i, (name, n) in enumerate(places):
            value = values[name] if n is None else values[name][n]
            params[i] = self.fields[name].get_db_prep_value(value, connection)
        prepared = _Prepared(queryset.query, compiler, sql, params)
        rows = type(queryset)(model=queryset.model, query=prepared, using=queryset._db)
        rows._iterable_class, rows._fields = queryset._iterable_class, queryset._fields
        rows._rls_door = rls.tenant_scope(values["tenant"])
        # The same text on every run: prepared once per connection where the
        # backend can (PostgreSQL: planned once, not on every request).
        with rls.through_door(rows._rls_door), _prepared(connection, self.prepare_after_switch):
            return list(rows)

    def _statement(self, shape: tuple, names: tuple):
        """The queryset of this shape, its compiler, SQL and where each value goes."""
        key = (shape, names)
        found = self._compiled.get(key)
        if found is None:
            found = self._compile(shape, names)
            with self._lock:
                while len(self._compiled) >= MAX_SHAPES:
                    del self._compiled[next(iter(self._compiled))]
                self._compiled[key] = found
        return found

    def _compile(self, shape: tuple, names: tuple):
        stand_ins = {
            name: _stand_in(self.fields[name]) if n is None else
            [_stand_in(self.fields[name]) for _ in range(n)]
            for name, n in names
        }  # fmt: skip
        queryset = self.build(shape, stand_ins)
        connection = connections[queryset.db]
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        where = {}
        for name, n in names:
            for i, value in enumerate(stand_ins[name] if n is not None else [stand_ins[name]]):
                prepared = self.fields[name].get_db_prep_value(value, connection)
                where[_hashable(prepared)] = (name, i if n is not None else None)
        places = []
        for param in params:
            place = where.get(_hashable(param))
            if place is None:
                raise ValueError(f"{param!r} in a compiled query is not a parameter's stand-in.")
            places.append(place)
        return queryset, compiler, sql, places


class _Prepared:
    """The query a compiled statement's queryset carries: the shape's own ``Query``
    for anything that reads it, and its compiler, bound to this request's values,
    for the iterable that runs it."""

    def __init__(self, query, compiler, sql, params):
        self._query, self._compiler, self._sql, self._params = query, compiler, sql, params

    def __getattr__(self, name):
        return getattr(self._query, name)

    def chain(self, klass=None):
        raise TypeError("A compiled page query is run as it is, not refined.")

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler = copy.copy(self._compiler)
        compiler.connection = connections[using] if using else connection
        statement = (self._sql, self._params)
        compiler.as_sql = lambda *args, **kwargs: statement
        # Not a partial of the compiler itself: a cycle, left for the garbage collector.
        compiler.get_converters = functools.partial(
            _converters, compiler.connection, self._compiler
        )
        return compiler


def _converters(connection, compiled, expressions) -> dict:
    """The converters of a compiled statement's columns: the same on every run,
    so found once per connection (Django asks each field and the backend again
    on every execution; a tenth of a thread page's query CPU). Kept on the
    connection, whose backend some converters are bound to."""
    kept = connection.__dict__.setdefault("_compiled_converters", {})
    converters = kept.get(id(compiled))
    if converters is None or converters[0] is not compiled:
        if len(kept) >= 4 * MAX_SHAPES:  # shapes dropped and compiled again: start afresh
            kept.clear()
        on_this_connection = copy.copy(compiled)
        on_this_connection.connection = connection
        converters = kept[id(compiled)] = (
            compiled,
            on_this_connection.get_converters(expressions),
        )
    return converters[1]


def _prepared(connection, after_switch: bool):
    prepared = getattr(connection, "prepared_statement", None)
    if prepared is None:
        return contextlib.nullcontext()
    return prepared(after_switch=after_switch)


def _stand_in(field: models.Field):
    """A value of ``field``'s type that no request sends (distinct for each call)."""
    target = field.target_field if field.is_relation else field
    n = next(_serial)
    if isinstance(target, models.UUIDField):
        return uuid.UUID(int=(0x5EED << 96) + n)
    if isinstance(target, models.DateTimeField):
        return dt.datetime(1901, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=n)
    if isinstance(target, models.CharField):
        return f"\x1fstand-in {n}"
    raise TypeError(f"No stand-in for a {type(target).__name__}.")


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value
