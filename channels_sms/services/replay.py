"""Operators' second chance for webhooks that could not be processed.

Nothing a provider sent us is dropped: texts to a number we do not know, or to
a deactivated one, wait as ``unrouted``; events whose processing failed wait as
``failed``. Once the number is set up (or the cause fixed), a replay routes
them again by our records and queues them.
"""

from django.db import transaction

from channels_sms.models import TWILIO_PROTOCOL, EventKind, InboundEvent, UnroutedEvent
from channels_sms.sealing import open_payload
from channels_sms.services.events import event_queue, event_record
from channels_sms.services.routing import twilio_route, vonage_route


def _route(provider: str, kind: str, payload: dict):
    if provider in TWILIO_PROTOCOL:
        own = "To" if kind == EventKind.MESSAGE else "From"
        return twilio_route(payload, own_number_field=own)
    return vonage_route(payload, own_number_field="to")


def events_replay() -> dict:
    """Routes and queues again what waits; returns counts by outcome."""
    counts = {"queued": 0, "still_unrouted": 0}
    waiting = InboundEvent.objects.dangerously_unscoped(reason="replay serves every tenant")
    for event_id in waiting.filter(
        state__in=[InboundEvent.State.UNROUTED, InboundEvent.State.FAILED]
    ).values_list("pk", flat=True):
        counts["queued" if _event_replay(event_id) else "still_unrouted"] += 1
    for unrouted_id in UnroutedEvent.objects.values_list("pk", flat=True):
        counts["queued" if _unrouted_replay(unrouted_id) else "still_unrouted"] += 1
    return counts


@transaction.atomic
def _event_replay(event_id) -> bool:
    event = (
        InboundEvent.objects.dangerously_unscoped(reason="replay by id of a stored webhook")
        .select_for_update()
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.payload is None:
        return False
    if event.state == InboundEvent.State.UNROUTED:
        route = _route(event.provider, event.kind, event.payload)
        # Its payload is sealed under this tenant's key: it stays in this tenant.
        if route is None or route.number is None or route.tenant_id != event.tenant_id:
            return False
        if not route.number.active:
            return False
        event.phone_number = route.number
    event.state, event.note = InboundEvent.State.PENDING, ""
    event.save(update_fields=["phone_number", "state", "note"])
    event_queue(event.pk)
    return True


@transaction.atomic
def _unrouted_replay(unrouted_id) -> bool:
    row = UnroutedEvent.objects.select_for_update().filter(pk=unrouted_id).first()
    if row is None:
        return False
    payload = open_payload(
        row_id=row.pk,
        master_version=row.master_version,
        wrapped_key=row.wrapped_key,
        sealed=row.payload,
    )
    route = _route(row.provider, row.kind, payload)
    if route is None or route.tenant_id is None or route.number is None:
        return False
    event_record(
        route=route,
        kind=row.kind,
        provider_message_id=row.provider_message_id,
        provider_status=row.provider_status,
        payload=payload,
    )
    row.delete()  # and with it the only copy of its key
    return True
