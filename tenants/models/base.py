"""The one mechanism every piece of tenant data inherits."""

import functools
from itertools import islice

from django.db import models
from django.db.models.query import ModelIterable
from django.db.models.signals import class_prepared

from instaply import rls
from instaply.ids import uuid7
from privacy import pages
from tenants.models.rows import row_from_db


def _through_door(method):
    """Runs a queryset method under the queryset's door (instaply/rls.py), if it has one."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        door = self._rls_door or self._row_door()
        if door is None:
            return method(self, *args, **kwargs)
        with rls.through_door(door):
            return method(self, *args, **kwargs)

    return run


class TenantQuerySet(models.QuerySet):
    """Queries of tenant data start with one of two named doors.

    ``for_tenant`` is the everyday one. ``dangerously_unscoped`` is the way out
    for the few places that find the tenant out (a webhook's number, a token, a
    widget key) or work by id after the tenant was checked; it needs a reason,
    so a reader sees why and a reviewer can grep for them. The scoping lint
    (tests/scoping) fails on any query of tenant data that uses neither.

    The door also tells PostgreSQL's row-level security what the query may
    see: ``for_tenant`` runs as that tenant, ``dangerously_unscoped`` as the
    platform role. A query through neither runs in the scope of its unit of
    work (the request's tenant, a task's, or nobody's).
    """

    _rls_door: rls.Scope | None = None

    def for_tenant(self, tenant):
        # Every read of tenant data starts here; composite indexes lead with tenant_id.
        scoped = self.filter(tenant=tenant)
        scoped._rls_door = rls.tenant_scope(tenant)
        return scoped

    def dangerously_unscoped(self, *, reason: str):
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("dangerously_unscoped() needs a reason: say why no tenant applies.")
        unscoped = self.all()
        unscoped._rls_door = rls.platform_scope(reason)
        return unscoped

    def _row_door(self) -> rls.Scope | None:
        """A relation followed from a row (``grant.conversations``, ``message.conversation``)
        carries the row's tenant, as the row's own save does (``rls.for_row``):
        only outside any tenant or platform scope, so inside a tenant's scope a
        relation to another tenant's row still finds nothing."""
        instance = self._hints.get("instance")
        # From __dict__: a deferred tenant_id would be loaded by a query through here.
        tenant_id = getattr(instance, "__dict__", {}).get("tenant_id")
        if tenant_id is None or rls.current() != rls.NOBODY:
            return None
        return rls.tenant_scope(tenant_id)

    def _clone(self):
        clone = super()._clone()
        clone._rls_door = self._rls_door
        return clone

    def iterator(self, chunk_size=None):
        door = self._rls_door or self._row_door()
        if door is None:
            yield from self._paged(super().iterator(chunk_size), chunk_size)
            return
        with rls.through_door(door):
            yield from self._paged(super().iterator(chunk_size), chunk_size)

    def _paged(self, rows, chunk_size):
        """Model rows of ``iterator()`` a chunk at a time, each chunk a page of
        encrypted values as a fetched queryset is (Django reads the cursor by
        chunk anyway, 2,000 rows unless told): a long iteration (a data-subject
        package, a retention sweep) opens its values a chunk at once, not one
        by one."""
        if self._iterable_class is not ModelIterable:
            yield from rows
            return
        related = bool(self.query.select_related)
        while chunk := list(islice(rows, chunk_size or 2000)):
            if len(chunk) > 1:
                pages.gather(chunk, related=related)
            yield from chunk

    @_through_door
    def _fetch_all(self):
        fetched = self._result_cache is None
        super()._fetch_all()
        if fetched and self._iterable_class is ModelIterable and len(self._result_cache) > 1:
            # Rows fetched together open their encrypted values together.
            pages.gather(self._result_cache, related=bool(self.query.select_related))

    # Every way a queryset reaches the database.
    count = _through_door(models.QuerySet.count)
    exists = _through_door(models.QuerySet.exists)
    contains = _through_door(models.QuerySet.contains)
    aggregate = _through_door(models.QuerySet.aggregate)
    update = _through_door(models.QuerySet.update)
    _update = _through_door(models.QuerySet._update)
    delete = _through_door(models.QuerySet.delete)
    _raw_delete = _through_door(models.QuerySet._raw_delete)
    _insert = _through_door(models.QuerySet._insert)
    create = _through_door(models.QuerySet.create)
    bulk_create = _through_door(models.QuerySet.bulk_create)
    bulk_update = _through_door(models.QuerySet.bulk_update)
    get_or_create = _through_door(models.QuerySet.get_or_create)
    update_or_create = _through_door(models.QuerySet.update_or_create)
    explain = _through_door(models.QuerySet.explain)


def _relations_through_the_doors(sender, **kwargs):
    """A foreign key followed from a row loads through the model's base manager:
    for tenant rows, the one whose querysets carry the row's tenant."""
    if issubclass(sender, TenantScopedModel) and not sender._meta.abstract:
        sender._meta.base_manager_name = "objects"


class_prepared.connect(_relations_through_the_doors)


class TenantScopedModel(models.Model):
    """A row that belongs to exactly one tenant.

    The UUIDv7 primary key is made in Python so it exists before the INSERT
    (encrypted fields bind their ciphertext to it).
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

    # One row on its own carries its tenant for row-level security (rls.for_row).
    def save(self, *args, **kwargs):
        with rls.for_row(self.tenant_id):
            return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        with rls.for_row(self.tenant_id):
            return super().delete(*args, **kwargs)

    def refresh_from_db(self, *args, **kwargs):
        # Read from __dict__: a deferred tenant_id would reload itself through here.
        state = self.__dict__
        state[pages.REFRESHING] = True  # an erased value may be copied in (privacy/fields.py)
        try:
            with rls.for_row(state.get("tenant_id")):
                return super().refresh_from_db(*args, **kwargs)
        finally:
            del state[pages.REFRESHING]

    @classmethod
    def from_db(cls, db, field_names, values):
        # Fetched rows skip Model.__init__'s per-column setattr (tenants/models/rows.py).
        return row_from_db(cls, db, field_names, values) or super().from_db(db, field_names, values)
