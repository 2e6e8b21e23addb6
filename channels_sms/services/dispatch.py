"""The inbound dispatcher: the stored delivery row is the job.

In production (``SMS_INBOUND_DISPATCH=dispatcher``) the webhook stores its
delivery and answers; no broker message is published. Dispatcher processes
(``manage.py inbound_dispatcher``, the compose file's ``dispatcher`` service)
find pending deliveries by polling, claim a batch and process it in one
transaction (channels_sms/services/inbound_batch.py).

Order and exactly-once:

* A *lane* is one number of one tenant: every text of a conversation arrives
  in one lane (a conversation is a contact on one number). One dispatcher at a
  time works a lane: it holds a transaction-level advisory lock on it while its
  batch runs, and takes the lane's oldest pending deliveries in the order they
  were stored (their UUIDv7 ids). So the texts of one conversation land in the
  order they were stored, whatever the number of dispatchers.
* The batch's rows are locked (``FOR UPDATE``) and their state set in the
  transaction that writes the messages: a dispatcher killed mid-batch commits
  nothing, and the rows are pending again for the next one.

Finding the lanes reads every tenant's deliveries: platform work, entered once
per dispatcher run (one ``platform.rls_bypass`` audit event when the process
starts, not one per batch: a burst would flood the log with thousands). Each
batch then runs as its tenant, under row-level security.
"""

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import Q
from django.utils import timezone
from redis.exceptions import RedisError

from channels_sms.models import PhoneNumber, WebhookDelivery
from channels_sms.services.inbound import STATUS_WAIT
from channels_sms.services.inbound_batch import deliveries_process, deliveries_process_each
from instaply import rls

log = logging.getLogger("instaply.dispatch")

# Advisory locks are two int4 keys: this class, then the lane's.
_LANE_LOCK_CLASS = 0x5D15
# A status callback that overtook its message waits this long times its attempts.
NOT_YET_BACKOFF = dt.timedelta(seconds=20)
_BACKOFF_STEPS = int(STATUS_WAIT / NOT_YET_BACKOFF) + 1  # then it has failed (inbound.py)
# Lanes are looked for among this many oldest pending deliveries.
LANES_WINDOW = 1000
# Failures of a service, not of a row (PostgreSQL, or Redis behind the cache, gone):
# the batch rolls back, stays pending, and is tried again once the service is back.
UNAVAILABLE = (OperationalError, InterfaceError, OSError, RedisError)


def _due(now) -> Q:
    """Pending deliveries, but not a status callback tried too recently (NotYet):
    the n-th try waits n x NOT_YET_BACKOFF after its receipt, spelled out
    attempt by attempt so that every database compares plain timestamps."""
    waited = Q(attempts=0)
    for attempts in range(1, _BACKOFF_STEPS):
        waited |= Q(attempts=attempts, received_at__lte=now - NOT_YET_BACKOFF * attempts)
    waited |= Q(
        attempts__gte=_BACKOFF_STEPS, received_at__lte=now - NOT_YET_BACKOFF * _BACKOFF_STEPS
    )
    return Q(state=WebhookDelivery.State.PENDING) & waited


def pending_lanes(now=None) -> list[tuple]:
    """(tenant id, number id) of the lanes with due deliveries, oldest first."""
    now = now or timezone.now()
    # Index: sms_delivery_pending (id) WHERE state = 'pending'.
    rows = (
        WebhookDelivery.objects.dangerously_unscoped(reason="dispatcher: lanes with pending work")
        .filter(_due(now))
        .order_by("id")
        .values_list("tenant_id", "phone_number_id")[:LANES_WINDOW]
    )
    return list(dict.fromkeys(rows))


def dispatch_once(*, batch_size: int | None = None) -> int:
    """Claims and processes one batch of the oldest free lane; returns how many
    deliveries it processed (0: nothing to do, or every lane taken)."""
    batch_size = batch_size or settings.SMS_INBOUND_BATCH
    now = timezone.now()
    for tenant_id, number_id in pending_lanes(now):
        with rls.unit_of_work():
            rls.adopt(tenant_id)
            with transaction.atomic():
                if not _lane_taken(number_id or tenant_id):
                    continue  # another dispatcher works it
                claimed = _claim(tenant_id, number_id, now, batch_size)
                if claimed:
                    _process(claimed)
                    return len(claimed)
    return 0


def _lane_taken(key) -> bool:
    """This lane's lock until the transaction ends, or False when another holds it."""
    if connection.vendor != "postgresql":
        return True  # SQLite runs one writing transaction at a time
    lane = int(str(key).replace("-", "")[-8:], 16) - 2**31  # an int4 from the uuid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LANE_LOCK_CLASS, lane])
        return cursor.fetchone()[0]


def _claim(tenant_id, number_id, now, batch_size) -> list[WebhookDelivery]:
    # Index: sms_delivery_tenant_state (tenant, state, received_at). FOR UPDATE, not
    # SKIP LOCKED: a row locked elsewhere is waited for rather than overtaken.
    claimed = list(
        WebhookDelivery.objects.for_tenant(tenant_id)
        .filter(_due(now), phone_number_id=number_id)
        .select_for_update()
        .order_by("id")[:batch_size]
    )
    # The lane's number, read once rather than joined to every pending row.
    number = (
        PhoneNumber.objects.for_tenant(tenant_id)
        .select_related("account", "shop")
        .filter(pk=number_id)
        .first()
    )
    for delivery in claimed:
        delivery.phone_number = number
    return claimed


def _process(claimed: list[WebhookDelivery]) -> None:
    try:
        with transaction.atomic():
            deliveries_process(claimed)
    except UNAVAILABLE:
        raise  # a service, not a row: the whole batch is tried again later
    except Exception:
        log.exception("a batch of %d deliveries raised; processing them one by one", len(claimed))
        fresh = list(
            WebhookDelivery.objects.for_tenant(claimed[0].tenant_id)
            .filter(pk__in=[d.pk for d in claimed])
            .order_by("id")
        )
        for delivery in fresh:
            delivery.phone_number = claimed[0].phone_number
        deliveries_process_each(fresh, unavailable=UNAVAILABLE)


def dispatch_forever(*, stopping, batch_size: int | None = None, idle_ms: int | None = None):
    """Processes batches until ``stopping()`` is true; sleeps ``idle_ms`` when
    there was nothing to do. A database that went away is waited for: its
    batch rolled back, its rows are still pending."""
    idle = (settings.SMS_INBOUND_IDLE_MS if idle_ms is None else idle_ms) / 1000
    with rls.platform_work("inbound dispatcher: finds pending webhook deliveries of every tenant"):
        while not stopping():
            try:
                done = dispatch_once(batch_size=batch_size)
            except UNAVAILABLE as error:
                log.warning(
                    "dispatcher: a service is unavailable (%s); waiting", type(error).__name__
                )
                connection.close()
                time.sleep(1)
                continue
            if not done:
                close_old_connections()
                time.sleep(idle)
